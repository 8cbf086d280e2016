package dev.outpost.fleet.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Entries already in key order, seen as a {@link SortedMap} only so that {@code new TreeMap<>(this)}
 * builds its tree in one pass instead of one search per entry (a fleet summary of 1,000 hosts). A
 * hand-off, not a map to use: the views of a sorted map are not supported.
 */
final class SortedEntries<K extends Comparable<K>, V> extends AbstractMap<K, V> implements SortedMap<K, V> {
    private final List<Map.Entry<K, V>> entries;

    /** {@code entries} must be in strictly ascending key order ({@link #ascending} says whether they are). */
    SortedEntries(List<Map.Entry<K, V>> entries) {
        this.entries = entries;
    }

    /** The entries as a sorted map: this hand-off when they are in key order (discovery lists hosts by id), else a {@link TreeMap}. */
    static <K extends Comparable<K>, V> SortedMap<K, V> of(List<Map.Entry<K, V>> entries) {
        if (ascending(entries)) {
            return new SortedEntries<>(entries);
        }
        TreeMap<K, V> sorted = new TreeMap<>();
        entries.forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    static <K extends Comparable<K>, V> boolean ascending(List<Map.Entry<K, V>> entries) {
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i - 1).getKey().compareTo(entries.get(i).getKey()) >= 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                return entries.iterator();
            }

            @Override
            public int size() {
                return entries.size();
            }
        };
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public Comparator<? super K> comparator() {
        return null; // natural order, as the summary's map
    }

    @Override
    public SortedMap<K, V> subMap(K fromKey, K toKey) {
        throw new UnsupportedOperationException("a hand-off to TreeMap");
    }

    @Override
    public SortedMap<K, V> headMap(K toKey) {
        throw new UnsupportedOperationException("a hand-off to TreeMap");
    }

    @Override
    public SortedMap<K, V> tailMap(K fromKey) {
        throw new UnsupportedOperationException("a hand-off to TreeMap");
    }

    @Override
    public K firstKey() {
        return entries.get(0).getKey();
    }

    @Override
    public K lastKey() {
        return entries.get(entries.size() - 1).getKey();
    }
}
