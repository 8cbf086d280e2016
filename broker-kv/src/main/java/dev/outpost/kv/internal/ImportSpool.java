package dev.outpost.kv.internal;

import dev.outpost.core.files.OwnerOnlyFiles;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The checked lines of an import, kept in an owner-only temporary file (values may be secrets)
 * between the pass that checks them all and the one that writes them, so that memory holds one
 * line at a time however large the import. Deleted on close.
 */
public final class ImportSpool implements AutoCloseable {
    private final Path file;
    private final BufferedWriter out;
    private final List<BufferedReader> readers = new java.util.concurrent.CopyOnWriteArrayList<>(); // a SQLite import reads on its writer thread
    private boolean writing = true;

    private ImportSpool(Path file) throws IOException {
        this.file = file;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    /** An empty spool in the system's temporary directory. */
    public static ImportSpool create() {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        Path file = null;
        try {
            file = Files.createTempFile(dir, "outpost-kv-import-", ".jsonl", OwnerOnlyFiles.fileAttributes(dir));
            return new ImportSpool(file);
        } catch (IOException e) {
            deleteQuietly(file);
            throw new UncheckedIOException("cannot create the import's temporary file in " + dir, e);
        }
    }

    /** Keeps one line (without line breaks). */
    public void add(String line) throws IOException {
        out.write(line);
        out.write('\n');
    }

    /** The lines kept, read again, as {@code parse} makes them, on every iteration. */
    public <T> Iterable<T> entries(Function<String, T> parse) {
        try {
            if (writing) {
                out.close();
                writing = false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the import's temporary file " + file, e);
        }
        return () -> {
            BufferedReader in;
            try {
                in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            readers.add(in);
            return new Iterator<T>() {
                private String next = advance();

                private String advance() {
                    try {
                        return in.readLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public T next() {
                    if (next == null) {
                        throw new NoSuchElementException();
                    }
                    String line = next;
                    next = advance();
                    return parse.apply(line);
                }
            };
        };
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // deleted anyway
        }
        for (BufferedReader r : readers) {
            try {
                r.close();
            } catch (IOException ignored) {
                // deleted anyway
            }
        }
        deleteQuietly(file);
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary file: the system's cleanup takes it
            }
        }
    }
}
