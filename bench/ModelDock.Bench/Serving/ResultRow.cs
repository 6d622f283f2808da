using ModelDock.Bench.Serving.Load;

namespace ModelDock.Bench.Serving;

/// <summary>One measured line of the serving table, with the ratios filled in once every target has run.</summary>
/// <param name="Generator">The load generator that drove it: h2load, wrk, or in process.</param>
internal sealed record ResultRow(string Model, string Target, string Config, string Generator, LoadResult Result)
{
    /// <summary>Rows per second relative to the naive server at the same concurrency under the same generator.</summary>
    public double? VersusNaive { get; set; }

    /// <summary>
    /// Requests per second relative to the bare endpoint of the same transport (Kestrel for REST, gRPC
    /// for gRPC) at the same concurrency under the same generator.
    /// </summary>
    public double? VersusTransportLimit { get; set; }

    /// <summary>Rows per second relative to the best raw ONNX Runtime batch-32 rate.</summary>
    public double? VersusComputeLimit { get; set; }
}
