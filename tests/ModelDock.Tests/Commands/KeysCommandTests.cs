using ModelDock.Access;
using ModelDock.Cli;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary>
/// <c>modeldock keys ...</c> and the start-up rule it exists for: a server that needs keys refuses to start until an
/// admin key exists, and starts once one is created.
/// </summary>
public sealed class KeysCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-keys-");

    [Fact]
    public async Task Serve_RequireAuthWithoutAdminKey_RefusedUntilKeysCreateMakesOne()
    {
        var (refusedCode, _, refused) = await RunAsync("serve", "--require-auth", "--http-port", "0", "--grpc-port", "0");

        var (createCode, token, _) = await RunAsync("keys", "create", "--role", "admin", "--name", "ci");
        var (_, listed, _) = await RunAsync("keys", "list", "--json");
        using var server = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), "serve", "--require-auth", "--http-port", "0", "--grpc-port", "0", "--data-dir", Data);
        var started = await WaitForAsync(() => server.Output.Contains("Press Ctrl+C", StringComparison.Ordinal) || server.HasExited);

        Assert.Equal(ExitCodes.Usage, refusedCode);
        Assert.Contains("modeldock keys create --role admin", refused, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, createCode);
        Assert.StartsWith(ApiKeys.Prefix, token.Trim(), StringComparison.Ordinal);
        Assert.Contains("\"role\": \"admin\"", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Trim(), listed, StringComparison.Ordinal);
        Assert.True(started && !server.HasExited, server.Errors);
    }

    [Theory]
    [InlineData("keys", "create", "--role", "root")]
    [InlineData("keys", "revoke", "0123456789ab")]
    public async Task Keys_BadInput_OneLineAndACode(params string[] args)
    {
        var (code, _, errors) = await RunAsync(args);

        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private string Data => Path.Combine(_folder.FullName, "data");

    private static async Task<bool> WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        return condition();
    }

    private async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var process = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), [.. args, "--data-dir", Data]);
        var code = await process.WaitForExitAsync(Patience);
        return (code, process.Output, process.Errors);
    }
}
