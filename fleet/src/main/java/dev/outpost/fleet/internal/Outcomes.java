package dev.outpost.fleet.internal;

import dev.outpost.ErrorInfo;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.fleet.Outcome;

/** A host's outcome from its answer: a worker's refusal codes {@code expired} and {@code cancelled} keep their meaning. */
final class Outcomes {
    private Outcomes() {}

    static Outcome of(Response r) {
        if (r.status() == ResponseStatus.OK) {
            return Outcome.OK;
        }
        if (r.status() == ResponseStatus.ERROR) {
            return Outcome.ERROR;
        }
        String code = r.error().map(ErrorInfo::code).orElse("");
        return switch (code) {
            case "expired" -> Outcome.EXPIRED;
            case "cancelled" -> Outcome.CANCELLED;
            default -> Outcome.REJECTED;
        };
    }

    static String detail(Response r) {
        if (r.error().isEmpty()) {
            return ""; // an ok answer: no string built per host
        }
        ErrorInfo e = r.error().get();
        return e.code() + ": " + e.message();
    }
}
