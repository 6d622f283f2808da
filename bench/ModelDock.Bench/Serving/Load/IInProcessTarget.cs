namespace ModelDock.Bench.Serving.Load;

/// <summary>Something measured inside the benchmark's own process, without a transport: raw ONNX Runtime, or ModelDock's model server.</summary>
internal interface IInProcessTarget : IAsyncDisposable
{
    /// <summary>Label in the results table.</summary>
    string Name { get; }

    /// <summary>Model rows each call carries (1, or 32 for the batched compute limit).</summary>
    int RowsPerRequest { get; }

    /// <summary>Makes one call and checks the answer against the expected output; throws when it is wrong.</summary>
    Task VerifyAsync();

    /// <summary>A sender for one worker; each worker owns its buffers, so sending allocates little.</summary>
    IRequestSender CreateSender(int worker);
}

/// <summary>One worker's way to make a call; true when it succeeded.</summary>
internal interface IRequestSender : IAsyncDisposable
{
    ValueTask<bool> SendAsync();
}
