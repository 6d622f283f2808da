namespace ModelDock.Bench.Serving;

/// <summary>One measured line of the table, with the ratios filled in once every target has run.</summary>
internal sealed record ResultRow(string Model, string Target, string Config, LoadResult Result)
{
    /// <summary>Rows per second relative to the naive server at the same concurrency.</summary>
    public double? VersusNaive { get; set; }

    /// <summary>Requests per second relative to the bare endpoint of the same transport (Kestrel for REST, gRPC for gRPC) at the same concurrency.</summary>
    public double? VersusTransportLimit { get; set; }

    /// <summary>Rows per second relative to the best raw ONNX Runtime batch-32 rate.</summary>
    public double? VersusComputeLimit { get; set; }
}
