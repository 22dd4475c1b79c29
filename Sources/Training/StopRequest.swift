import Foundation

/// A flag the SIGINT/SIGTERM handlers set; long loops poll it and stop cleanly.
public enum StopRequest {
    nonisolated(unsafe) private static var flag: Int32 = 0
    nonisolated(unsafe) private static var lastSignal: Int32 = 0

    /// Installs handlers for SIGINT and SIGTERM. A second signal ends the process at once.
    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { sig in
            if StopRequest.flag != 0 { _exit(128 + sig) }
            StopRequest.lastSignal = sig
            StopRequest.flag = 1
            let msg = "\nconvscope: stopping after the current step (signal again to quit at once)\n"
            _ = msg.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    public static var requested: Bool { flag != 0 }
    /// The signal received (SIGINT, SIGTERM), 0 when none.
    public static var receivedSignal: Int32 { lastSignal }
    /// How the stop is reported: "terminated" after SIGTERM, else "interrupted".
    public static var stoppedHow: String { lastSignal == SIGTERM ? "terminated" : "interrupted" }
    /// Asks running loops to stop (tests simulate an interruption this way).
    public static func request() { flag = 1 }
    public static func clear() { flag = 0; lastSignal = 0 }
}
