/**
 * The user side of the 0G Compute Network: {@link zg.compute.sdk.ZGComputeNetworkBroker} with its
 * {@link zg.compute.sdk.LedgerBroker} (main account) and {@link zg.compute.sdk.InferenceBroker}
 * (sub-accounts, request headers, response verification). Everything under {@code internal} may change.
 */
package zg.compute.sdk;
