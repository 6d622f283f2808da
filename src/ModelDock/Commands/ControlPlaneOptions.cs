using System.CommandLine;

namespace ModelDock.Cli.Commands;

/// <summary>
/// Where a <c>models</c> or <c>endpoints</c> verb acts: the data folder (<c>--data-dir</c>), or a running server's admin
/// API (<c>--server</c> with <c>--api-key</c>), for operators who can reach a server but not its storage.
/// </summary>
internal sealed class ControlPlaneOptions
{
    /// <summary>Where <c>--api-key</c> defaults from, so a token need not appear on a command line (and in the process list).</summary>
    public const string ApiKeyVariable = "MODELDOCK_API_KEY";

    public Option<DirectoryInfo> DataDir { get; } = CommonOptions.DataDir();

    public Option<string?> Server { get; } = new("--server")
    {
        Description = "A running server's URL, e.g. http://127.0.0.1:8000: act through its admin API instead of --data-dir.",
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"API key sent to --server as 'Authorization: Bearer TOKEN' (default: ${ApiKeyVariable}). Changes need an admin key.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ApiKeyVariable),
    };

    public static ControlPlaneOptions AddTo(Command command)
    {
        var options = new ControlPlaneOptions();
        command.Options.Add(options.DataDir);
        command.Options.Add(options.Server);
        command.Options.Add(options.ApiKey);
        options.Server.Validators.Add(result =>
        {
            if (!TryParseServer(result.GetValueOrDefault<string?>(), out _))
            {
                result.AddError($"--server '{result.GetValueOrDefault<string?>()}' must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:8000.");
            }
        });
        command.Validators.Add(result =>
        {
            var server = result.GetResult(options.Server) is not null;
            if (server && result.GetResult(options.DataDir) is { Implicit: false })
            {
                result.AddError("Give --server or --data-dir, not both: through --server the server's own storage is changed.");
            }

            if (!server && result.GetResult(options.ApiKey) is { Implicit: false })
            {
                result.AddError("--api-key goes with --server; the data folder is opened without a key.");
            }
        });
        return options;
    }

    public IControlPlane Open(ParseResult parse) => TryParseServer(parse.GetValue(Server), out var server)
        ? new ServerControlPlane(new AdminApiClient(server, parse.GetValue(ApiKey)))
        : new LocalControlPlane(CommonOptions.OpenRegistry(parse.GetValue(DataDir)!));

    private static bool TryParseServer(string? text, out Uri server) =>
        Uri.TryCreate(text, UriKind.Absolute, out server!) && (server.Scheme == Uri.UriSchemeHttp || server.Scheme == Uri.UriSchemeHttps);
}
