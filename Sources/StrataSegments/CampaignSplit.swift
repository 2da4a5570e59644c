import Crypto
import Foundation

/// The project's secret key for campaign splits: 32 random bytes, created on first use in a hidden folder
/// beside the store (`.<store file>.secret/key`), readable by the owner only (0600, the folder 0700), with a
/// `.gitignore` in that folder so it never enters a repository. It is never written to the audit log,
/// reports or lists: without it the split cannot be recomputed from the patient ids.
public struct CampaignSecret: Sendable {
    let key: SymmetricKey

    /// A secret from its bytes (tests).
    public init(bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
    }

    /// The secret's file for the store at `storePath`.
    public static func url(besideStore storePath: String) -> URL {
        let store = URL(fileURLWithPath: storePath)
        return store.deletingLastPathComponent().appendingPathComponent(".\(store.lastPathComponent).secret")
            .appendingPathComponent("key")
    }

    /// The project's secret, read from beside the store; nil when none was created yet.
    public static func existing(besideStore storePath: String) throws(CampaignError) -> CampaignSecret? {
        let file = url(besideStore: storePath)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw .badSecret(path: file.path, reason: "it cannot be read")
        }
        let hex = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard hex.utf8.count == 64, let bytes = Self.bytes(hex: hex) else {
            throw .badSecret(path: file.path, reason: "expected 64 hexadecimal digits")
        }
        chmod(file.path, 0o600)
        return CampaignSecret(bytes: bytes)
    }

    /// The project's secret, created (32 bytes from the system's secure generator) when missing. Callers
    /// hold the project's refresh lock, so two processes never create it at once.
    public static func loadOrCreate(besideStore storePath: String) throws(CampaignError) -> CampaignSecret {
        if let secret = try existing(besideStore: storePath) { return secret }
        let file = url(besideStore: storePath)
        let folder = file.deletingLastPathComponent()
        guard mkdir(folder.path, 0o700) == 0 || errno == EEXIST else {
            throw .badSecret(path: folder.path, reason: String(cString: strerror(errno)))
        }
        chmod(folder.path, 0o700)
        try? Data("*\n".utf8).write(to: folder.appendingPathComponent(".gitignore"))
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = bytes.map { String(format: "%02x", $0) }.joined() + "\n"
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .badSecret(path: file.path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, text.utf8.count) }
        guard written == text.utf8.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(file.path)
            throw .badSecret(path: file.path, reason: reason)
        }
        return CampaignSecret(bytes: bytes)
    }

    private static func bytes(hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

/// Who is held out: a keyed hash (HMAC-SHA256 under the project's ``CampaignSecret``) of the campaign's name
/// and the patient id, read as a number in [0, 1); the patient is held out when it is below the holdout
/// share.
///
/// So the split is deterministic (the same campaign, patient and secret always give the same group),
/// independent of the order or the company of the rows, and cannot be guessed or steered from the ids
/// without the secret. Different campaigns split independently of each other.
public struct CampaignSplit: Sendable {
    private let secret: CampaignSecret

    public init(secret: CampaignSecret) {
        self.secret = secret
    }

    /// The patient's place in [0, 1) for `campaign`: the HMAC's first 8 bytes, big-endian, top 53 bits.
    public func position(campaign: String, patient: String) -> Double {
        // Length-prefixed, so that no two (campaign, patient) pairs share an encoding.
        let message = Data("campaign \(campaign.utf8.count):\(campaign) patient \(patient.utf8.count):\(patient)".utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: secret.key)
        let value = code.withUnsafeBytes { bytes in bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        return Double(value >> 11) * 0x1p-53
    }

    /// Whether `patient` is in `campaign`'s holdout of `share`.
    public func isHeldOut(campaign: String, patient: String, share: Double) -> Bool {
        position(campaign: campaign, patient: patient) < share
    }

    /// The name under which the global holdout is drawn; campaign names cannot contain a space, so no
    /// campaign splits like it.
    public static let globalHoldoutName = "global holdout"

    /// Whether `patient` is in the global holdout of `share`: on no marketing list at all.
    public func isInGlobalHoldout(patient: String, share: Double) -> Bool {
        share > 0 && isHeldOut(campaign: Self.globalHoldoutName, patient: patient, share: share)
    }
}

/// Why a campaign cannot be started, reported or checked.
public enum CampaignError: Error, Equatable, CustomStringConvertible {
    case badSecret(path: String, reason: String)

    public var description: String {
        switch self {
        case let .badSecret(path, reason): "\(path): the project's campaign secret cannot be used: \(reason)"
        }
    }
}
