using System.Globalization;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// <c>serve-target naive|bare|bare-grpc --model S|L [--port P]</c>: runs one comparison server in this
/// process until standard input ends. The benchmarks start it as a child process; it is not in the
/// usage text because nobody needs to run it by hand.
/// </summary>
internal static class ServeTargetCommand
{
    public const string Verb = "serve-target";

    public static readonly IReadOnlyList<string> Kinds = ["naive", "bare", "bare-grpc"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || !Kinds.Contains(args[0]))
        {
            throw new ArgumentException($"{Verb}: expected one of {string.Join(", ", Kinds)}.");
        }

        string? model = null;
        var port = 0;
        for (var i = 1; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--model":
                    model = args[i + 1];
                    break;
                case "--port":
                    port = int.Parse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"{Verb}: unknown option {args[i]}.");
            }
        }

        var benchModel = BenchModel.Create(model ?? throw new ArgumentException($"{Verb}: --model S|L is required."));
        switch (args[0])
        {
            case "naive":
                var (naive, session) = NaiveServer.Build(benchModel, port);
                await TargetHost.RunAsync(naive, session).ConfigureAwait(false);
                break;
            case "bare":
                await TargetHost.RunAsync(BareKestrelServer.Build(benchModel, port)).ConfigureAwait(false);
                break;
            default:
                await TargetHost.RunAsync(BareGrpcServer.Build(benchModel, port)).ConfigureAwait(false);
                break;
        }

        return 0;
    }
}
