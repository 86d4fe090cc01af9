package zg.compute.provider.internal.store;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Request ids and response keys ({@code ZG-Res-Key}) as UUID version 7 (RFC 9562): 48 bits of Unix milliseconds,
 * then 74 random bits. Request rows and stored signatures are keyed by them, so keys that grow with time are
 * inserted at the end of their indexes: a commit of many bills dirties one index page instead of a random page per
 * bill (each a 4 KiB write to the WAL). 74 random bits keep a response key unguessable (it is the capability for
 * its hosted images); the official broker's keys are version 4, and clients treat them as opaque strings.
 */
public final class TimeOrderedIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TimeOrderedIds() {
    }

    /** A new id, later ones sorting after earlier ones (to the millisecond). */
    public static String next() {
        long random = RANDOM.nextLong();
        long msb = (System.currentTimeMillis() << 16) | 0x7000L | (random & 0x0FFFL);
        long lsb = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb).toString();
    }
}
