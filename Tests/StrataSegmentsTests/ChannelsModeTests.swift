import Foundation
import StrataFeatures
@testable import StrataSegments
import Testing

/// `channels_mode` on a segment, and the store's suppression table on a store written before it existed.
@Suite("channels_mode and the held-back table")
struct ChannelsModeTests {
    static func catalog(_ yaml: String) throws -> SegmentCatalog {
        try SegmentCatalog(configuration: try ProjectConfiguration.parse(yaml).segments)
    }

    @Test func channelsModeIsOneByDefaultOrAllWhenAsked() throws {
        let catalog = try Self.catalog("""
            segments:
              - {name: a, rule: "age > 1", purpose: care, channels: [email, sms]}
              - {name: b, rule: "age > 1", purpose: care, channels: [email, sms], channels_mode: all}
            """)
        #expect(catalog.definitions.map(\.channelsMode) == [.one, .all])
    }

    @Test func anUnknownModeNamesTheSegmentAndTheValue() throws {
        let error = #expect(throws: SegmentDefinitionError.self) {
            _ = try Self.catalog("segments:\n  - {name: a, rule: \"age > 1\", purpose: care, channels: [email], channels_mode: every}\n")
        }
        #expect(error?.description == "segment 'a': channels_mode 'every' is not 'one' or 'all'")
    }

    @Test func aStoreFromBeforeThePolicyOpensWithAnEmptyReport() throws {
        let compatibility = try StoreCompatibilityTests()
        defer { try? FileManager.default.removeItem(at: compatibility.directory) }
        let store = try SegmentStore(path: compatibility.storePath)
        #expect(try store.heldBack(run: 1).isEmpty)
        #expect(try store.runFingerprint(1) == StoreCompatibilityTests.runFingerprints[1])
    }
}
