namespace ModelDock.Fuzz.Engine;

/// <summary>An entry point of ModelDock and the hostile inputs it must survive.</summary>
internal interface IFuzzTarget
{
    string Name { get; }

    /// <summary>Relative share of a campaign's inputs: file targets that load a model cost far more per input than a request.</summary>
    double Share { get; }

    /// <summary>Inputs run at once: requests in flight for network targets.</summary>
    int Parallelism { get; }

    /// <summary>A mutated input, determined by <paramref name="random"/> alone so that a seed and an index reproduce it.</summary>
    FuzzInput Generate(Random random);

    /// <summary>Feeds the input to ModelDock and judges the answer; a finding is any answer a client's input must never cause.</summary>
    Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken);
}
