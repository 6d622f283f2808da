namespace ModelDock.Runtime.Onnx;

/// <summary>How ONNX Runtime executes one model version; defaults are ONNX Runtime's own.</summary>
internal sealed record OnnxSessionSettings
{
    public static readonly OnnxSessionSettings Default = new();

    /// <summary>Threads used inside one operator; 0 lets ONNX Runtime choose.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads used across operators in parallel execution mode; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    public OnnxGraphOptimization GraphOptimization { get; init; } = OnnxGraphOptimization.All;

    /// <summary>Run independent operators concurrently (ONNX Runtime's parallel execution mode).</summary>
    public bool ParallelExecution { get; init; }
}

internal enum OnnxGraphOptimization
{
    Disabled,
    Basic,
    Extended,
    All,
}
