import ArgumentParser

/// The root command: it only lists the subcommands; each lives in its own file.
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Behavioral segments and predictive scores from patient-history exports.",
        version: StrataVersion.current,
        subcommands: [
            SelfCheck.self,
            Validate.self,
            Features.self,
            Generate.self,
            LogisticCommand.self,
            Train.self,
            Score.self,
            KMeansCommand.self,
            LifetimeCommand.self,
            Discover.self,
            Init.self,
            RefreshCommand.self,
            Month.self,
            ReportCommand.self,
            Models.self,
            Retrain.self,
            Segments.self,
            Audit.self,
            CampaignCommand.self,
            Demo.self,
        ]
    )
}
