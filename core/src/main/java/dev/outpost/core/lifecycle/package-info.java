/**
 * The kit every long-lived Outpost component is built from, public so that modules of your own
 * follow the same idiom: {@link dev.outpost.core.lifecycle.Lifecycle} (start once, shut down once
 * with one future), {@link dev.outpost.core.lifecycle.OwnedThreads} (every thread from the user's
 * factory, remembered) and {@link dev.outpost.core.lifecycle.Guard} (the {@code Throwable}
 * boundary around user code); for one that serves connections itself,
 * {@link dev.outpost.core.lifecycle.AcceptLoop} and {@link dev.outpost.core.lifecycle.ConnectionSlots}
 * (an accept loop that outlives failures, and caps on connections open at once).
 */
package dev.outpost.core.lifecycle;
