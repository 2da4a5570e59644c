import CStrataKernels

/// The process's heap between large steps of work.
public enum Heap {
    /// Gives the memory the heap holds free back to the system (glibc's `malloc_trim`).
    ///
    /// glibc keeps what a step freed for the next allocations: arrays under its mmap threshold (which grows
    /// to 32 MB as large blocks are freed) live in the heap, and a later step whose arrays do not fit the
    /// holes grows the heap past the earlier peak, so a process running several large steps in a row
    /// (`strata month`) reports a peak above any one step's. Call between such steps; it walks the heap
    /// once (milliseconds) and changes no result.
    /// - Returns: whether any memory was returned.
    @discardableResult
    public static func releaseFree() -> Bool { strata_heap_release_free() == 1 }
}
