#!/usr/bin/env bash
# Deploys the published modules (parent pom, contracts, protocol, sdk and the adapters) into a file repository,
# $ZG_REPO (default /tmp/zgrepo): the coordinates an application depends on, without touching ~/.m2.
# Add -Prelease for the sources and javadoc jars.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repo=${ZG_REPO:-/tmp/zgrepo}
mvn -B -q -f "$root/pom.xml" -pl .,contracts,protocol,sdk,adapters/okhttp,adapters/openai,adapters/langchain4j,adapters/spring-ai \
    deploy -Dmaven.test.skip=true -DaltDeploymentRepository="zg::default::file://$repo" "$@"
echo "published zg.compute:* 0.1.0-SNAPSHOT to $repo"
