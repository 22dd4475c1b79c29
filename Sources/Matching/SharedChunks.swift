// Work sharing for matching's parallel loops: the work is cut into chunks and the calling thread plus
// up to `Threading.count - 1` workers take the next chunk from a shared counter until none is left.
// Under load a worker may start late or be descheduled: the running threads take its chunks, and the
// caller does not wait for a worker that has not started (DispatchQueue.concurrentPerform would); it
// closes the job and waits only for workers inside it. A late worker finds the job closed and leaves
// without touching the body. Each chunk is processed by exactly one thread, so results do not depend on
// the schedule.
import Dispatch
import Glibc
import Synchronization
import Tensor

/// Runs `body(range)` over consecutive chunks of 0..<count (each `chunk` long, the last shorter), on the
/// calling thread and up to `Threading.count - 1` workers; serially when there is one chunk or one thread.
func sharedChunks(_ count: Int, chunk: Int, _ body: (Range<Int>) -> Void) {
    let size = max(chunk, 1)
    let chunks = (count + size - 1) / size
    let workers = min(Threading.count, chunks)
    if workers <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let job = ChunkJob(chunks: chunks, size: size, count: count, body: escapable)
        for _ in 1..<workers { DispatchQueue.global().async { job.work(enter: true) } }
        job.work(enter: false)
        job.closed.store(true, ordering: .sequentiallyConsistent)
        while job.active.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
        job.body = nil  // no worker is inside and none will enter: the closure does not escape
    }
}

/// The shared state of one `sharedChunks` call (kept alive by late workers after the call returns).
private final class ChunkJob: @unchecked Sendable {
    let next = Atomic<Int>(0)
    let active = Atomic<Int>(0)
    let closed = Atomic<Bool>(false)
    let chunks: Int, size: Int, count: Int
    /// Read only by threads counted in `active` while the job is open; cleared by the caller at the end.
    var body: ((Range<Int>) -> Void)?

    init(chunks: Int, size: Int, count: Int, body: @escaping (Range<Int>) -> Void) {
        self.chunks = chunks; self.size = size; self.count = count; self.body = body
    }

    /// Takes chunks until none is left; a worker (`enter`) first registers and leaves if the job is closed.
    func work(enter: Bool) {
        if enter {
            active.wrappingAdd(1, ordering: .sequentiallyConsistent)
            if closed.load(ordering: .sequentiallyConsistent) {
                active.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                return
            }
        }
        drain()
        if enter { active.wrappingSubtract(1, ordering: .sequentiallyConsistent) }
    }

    /// The chunk loop; its reference to the body ends when it returns (before the worker deregisters).
    @inline(never)
    private func drain() {
        let run = body!
        while true {
            let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if c >= chunks { break }
            run((c * size)..<min(count, (c + 1) * size))
        }
    }
}
