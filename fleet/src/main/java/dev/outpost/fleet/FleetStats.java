package dev.outpost.fleet;

/**
 * What a {@link Fleet} has seen since it started.
 *
 * @param calls fleet calls and rollouts begun
 * @param active calls not settled yet
 * @param answers answers received for calls and pings of this fleet
 * @param late answers for calls already summarised
 * @param unmatched answers for no call this fleet knows (another caller's, or older than it remembers)
 * @param impostors answers dropped because the sender the codec authenticated (a sealed fleet) is not the host they name
 * @param undecodable answers that could not be decoded
 * @param listenerErrors failures of listener code (caught, logged, counted)
 */
public record FleetStats(long calls, int active, long answers, long late, long unmatched, long impostors, long undecodable,
        long listenerErrors) {}
