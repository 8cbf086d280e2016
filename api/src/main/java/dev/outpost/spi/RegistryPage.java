package dev.outpost.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a prefix listing.
 *
 * @param entries live entries in key order
 * @param nextPageToken pass it to the next {@code list} call to continue after the last entry;
 *     empty when this is the last page. Opaque: do not build or parse one.
 */
public record RegistryPage(List<RegistryEntry> entries, Optional<String> nextPageToken) {
    /** Validates and copies the components. */
    public RegistryPage {
        entries = List.copyOf(Objects.requireNonNull(entries, "entries"));
        Objects.requireNonNull(nextPageToken, "nextPageToken");
    }
}
