namespace ModelDock.Bench.Serving;

/// <summary>Something the load generator drives: a server behind a client, or an in-process session.</summary>
internal interface IBenchTarget : IAsyncDisposable
{
    /// <summary>Label in the results table, e.g. <c>ModelDock REST JSON</c>.</summary>
    string Name { get; }

    /// <summary>Model rows each request carries (1, or 32 for the batched compute limit).</summary>
    int RowsPerRequest { get; }

    /// <summary>Sends one request and checks the answer against the expected output; throws when it is wrong.</summary>
    Task VerifyAsync();

    /// <summary>A sender for one worker; each worker owns its request buffers, so sending allocates little.</summary>
    IRequestSender CreateSender(int worker);

    /// <summary>
    /// The request an external HTTP load generator sends, or null for a target that is not a server.
    /// Valid after <see cref="VerifyAsync"/>, which learns the size of a correct answer.
    /// </summary>
    HttpLoad? DescribeHttpLoad();
}

/// <summary>One worker's way to send a request; true when the server answered with success.</summary>
internal interface IRequestSender : IAsyncDisposable
{
    ValueTask<bool> SendAsync();
}
