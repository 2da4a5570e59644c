import Foundation

/// The lock a refresh holds from opening (or creating) the store to publishing its lists: an exclusive
/// `flock(2)` on a file beside the store (`<store>.lock`, owner-only, never removed).
///
/// SQLite's own lock covers one transaction; creating the store's tables and publishing lists after the
/// commit happen outside it, so two refreshes of a new project could both try to create the tables, and one
/// could remove the other's staged lists. Under this lock they run one after the other. The kernel releases
/// it when the process ends, however it ends.
final class RefreshLock {
    private let descriptor: Int32

    /// Takes the lock at `path`, waiting up to `timeout` seconds for another process to release it.
    ///
    /// - Parameter waiting: called once, with a sentence for the user, when the lock is held by another
    ///   process and this one starts to wait.
    init(path: String, timeout: TimeInterval, waiting: (String) -> Void) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RefreshError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        fchmod(descriptor, 0o600)
        let deadline = Date().addingTimeInterval(timeout)
        var announced = false
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw RefreshError.cannotWrite(path: path, reason: reason)
            }
            guard Date() < deadline else {
                close(descriptor)
                throw RefreshError.lockTimeout(path: path, seconds: timeout)
            }
            if !announced {
                waiting("another refresh of this project is running; waiting for it to finish (up to \(Int(timeout)) s)")
                announced = true
            }
            usleep(50_000)
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
