import Testing

@Suite("strata command line")
struct CLITests {
    @Test func versionPrintsTheVersion() throws {
        let result = try StrataBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "0.1.0\n")
    }

    @Test func helpListsTheCommands() throws {
        let result = try StrataBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("SUBCOMMANDS:"))
        #expect(result.standardOutput.contains("selfcheck"))
        #expect(result.standardError.isEmpty)
    }

    @Test func unknownCommandFails() throws {
        let result = try StrataBinary.run(["no-such-command"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("no-such-command"))
    }

    @Test func selfCheckPasses() throws {
        let result = try StrataBinary.run(["selfcheck", "--size", "64"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("BLAS self-check: ok"))
    }
}
