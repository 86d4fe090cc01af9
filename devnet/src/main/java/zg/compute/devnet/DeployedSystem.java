package zg.compute.devnet;

/** One contract system behind a beacon proxy: clients use {@code proxy}. */
public record DeployedSystem(String proxy, String beacon, String implementation) {
}
