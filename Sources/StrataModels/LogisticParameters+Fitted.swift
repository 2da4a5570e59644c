extension LogisticParameters {
    /// Parameters fitted elsewhere (e.g. by Apache Spark MLlib, see `strata models import`): the coefficients,
    /// intercept and training means, with the hyperparameters that give the same objective here.
    public init(coefficients: [Double], intercept: Double, featureMeans: [Double],
                configuration: LogisticRegression.Configuration, solver: LogisticRegression.Solver, iterations: Int,
                converged: Bool) {
        self.coefficients = coefficients
        self.intercept = intercept
        self.featureMeans = featureMeans
        penalty = configuration.penalty
        c = configuration.c
        l1Ratio = configuration.penalty == .elasticNet ? configuration.l1Ratio : nil
        classWeight = configuration.classWeight
        tolerance = configuration.tolerance
        self.solver = solver
        self.iterations = iterations
        self.converged = converged
    }
}
