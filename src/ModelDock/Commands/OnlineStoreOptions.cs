using System.CommandLine;
using ModelDock.Errors;
using ModelDock.Features.Online;
using ModelDock.Redis.Features;

namespace ModelDock.Cli.Commands;

/// <summary><c>--online-store sqlite|redis</c> and <c>--redis host:port</c>, shared by every verb that opens the online store.</summary>
internal sealed class OnlineStoreOptions
{
    public Option<string> Kind { get; } = new("--online-store")
    {
        Description = "Online store: sqlite (embedded, under --data-dir) or redis.",
        DefaultValueFactory = _ => "sqlite",
    };

    public Option<string?> Redis { get; } = new("--redis") { Description = "Redis host:port when --online-store is redis." };

    public void AddTo(Command command)
    {
        Kind.AcceptOnlyFromAmong("sqlite", "redis");
        command.Options.Add(Kind);
        command.Options.Add(Redis);
        command.Validators.Add(result =>
        {
            if (CommonOptions.ParsedValue(result, Kind) == "redis" && result.GetValue(Redis) is null)
            {
                result.AddError("--online-store redis needs --redis host:port.");
            }
        });
    }

    public async Task<IOnlineStore> OpenAsync(ParseResult parse, string dataDir) => parse.GetValue(Kind) switch
    {
        "sqlite" => SqliteOnlineStore.Open(SqliteOnlineStore.PathIn(dataDir)),
        "redis" => await RedisOnlineStore.ConnectAsync(new RedisOnlineStoreOptions
        {
            Configuration = parse.GetValue(Redis) ?? throw ModelDockException.InvalidInput("--online-store redis needs --redis host:port."),
        }),
        var other => throw ModelDockException.InvalidInput($"--online-store is '{other}'; expected 'sqlite' or 'redis'."),
    };
}
