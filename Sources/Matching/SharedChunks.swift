// Work sharing for matching's parallel loops: the work is cut into chunks and each of the
// `Threading.count` threads takes the next chunk from a shared counter until none is left. Under
// load a thread may start late or be descheduled; with a fixed split its share would wait for it,
// here the running threads take its chunks (the caller's thread works too, so a late worker costs
// nothing). Each chunk is processed by exactly one thread, so results do not depend on the schedule.
import Dispatch
import Synchronization
import Tensor

/// Runs `body(range)` over consecutive chunks of 0..<count (each `chunk` long, the last shorter), on up to
/// `Threading.count` threads taking chunks in turn; serially when there is one chunk or one thread.
func sharedChunks(_ count: Int, chunk: Int, _ body: (Range<Int>) -> Void) {
    let size = max(chunk, 1)
    let chunks = (count + size - 1) / size
    let workers = min(Threading.count, chunks)
    if workers <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if c >= chunks { break }
            body((c * size)..<min(count, (c + 1) * size))
        }
    }
}
