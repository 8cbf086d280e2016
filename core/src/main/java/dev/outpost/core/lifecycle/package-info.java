/**
 * The kit every long-lived Outpost component is built from, public so that modules of your own
 * follow the same idiom: {@link dev.outpost.core.lifecycle.Lifecycle} (start once, shut down once
 * with one future), {@link dev.outpost.core.lifecycle.OwnedThreads} (every thread from the user's
 * factory, remembered) and {@link dev.outpost.core.lifecycle.Guard} (the {@code Throwable}
 * boundary around user code).
 */
package dev.outpost.core.lifecycle;
