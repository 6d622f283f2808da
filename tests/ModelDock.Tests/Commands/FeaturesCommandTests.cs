using System.Net;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using ModelDock.Cli;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary>
/// The <c>features</c> verbs as a user runs them, each its own <c>modeldock</c> process in a working folder: apply is
/// the one verb that reads definition files, everything else (materialize, history, a running serve) reads the registry.
/// </summary>
public sealed class FeaturesCommandTests : IDisposable
{
    private const string Dotnet = "dotnet run --project src/ModelDock -- ";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PickUp = TimeSpan.FromSeconds(5);
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-features-");

    [Fact]
    public async Task Readme_FeaturesSequenceOnInitOutput_ServesTheSampleAndAPushedValue()
    {
        var root = RepositoryRoot();
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
        var section = readme[readme.IndexOf("## Features\n", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```\n", StringComparison.Ordinal) + 4)..];
        var lines = block[..block.IndexOf("```", StringComparison.Ordinal)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var commands = lines.Where(l => l.StartsWith(Dotnet, StringComparison.Ordinal)).Select(l => l[Dotnet.Length..].Split(' ')).ToList();
        var curls = lines.Where(l => l.StartsWith("curl ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["features init", "features apply", "features materialize", "serve"], commands.Select(c => string.Join(' ', c.Take(c[0] == "serve" ? 1 : 2))));
        Assert.Equal(2, curls.Count);

        foreach (var command in commands.Take(3))
        {
            await OkAsync(command);
        }

        var (http, grpc) = (LoopbackPorts.Free(), LoopbackPorts.Free());
        using var serve = ModelDockProcess.Start(_folder.FullName, NoEnvironment, [.. commands[3], "--http-port", $"{http}", "--grpc-port", $"{grpc}"]);
        using var client = await Readiness.WaitAsync(serve, http, Patience);
        var lookup = CurlRequest(curls[0], root);
        var push = CurlRequest(curls[1], root);

        using var before = await PostAsync(client, lookup.Path, lookup.Body, HttpStatusCode.OK);
        using var pushed = await PostAsync(client, push.Path, push.Body, HttpStatusCode.OK);
        using var after = await PostAsync(client, lookup.Path, lookup.Body, HttpStatusCode.OK);

        var names = before.RootElement.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(["driver_id", "conv_rate", "acc_rate"], names);
        var conv = before.RootElement.GetProperty("results")[1];
        Assert.All(conv.GetProperty("statuses").EnumerateArray(), s => Assert.Equal("PRESENT", s.GetString()));
        Assert.Equal(ExpectedLatest(1001, "conv_rate"), conv.GetProperty("values")[0].GetDouble(), 1e-9);
        Assert.Equal(ExpectedLatest(1003, "acc_rate"), before.RootElement.GetProperty("results")[2].GetProperty("values")[2].GetDouble(), 1e-9);
        Assert.Equal(1, pushed.RootElement.GetProperty("rows").GetInt32());
        Assert.True(pushed.RootElement.GetProperty("offline").GetBoolean());
        Assert.Equal(0.95, after.RootElement.GetProperty("results")[1].GetProperty("values")[0].GetDouble());
        Assert.Equal(conv.GetProperty("values")[1].GetDouble(), after.RootElement.GetProperty("results")[1].GetProperty("values")[1].GetDouble());
    }

    [Fact]
    public async Task Serve_LaterApply_AddedViewServedWithinSecondsAndRemovedViewRefused_WithoutRestart()
    {
        await OkAsync("features", "init", "repo");
        await OkAsync("features", "apply", "repo");
        await OkAsync("features", "materialize", "--start", "2026-01-01T00:00:00Z", "--end", "2026-02-01T00:00:00Z");
        var (http, grpc) = (LoopbackPorts.Free(), LoopbackPorts.Free());
        using var serve = ModelDockProcess.Start(_folder.FullName, NoEnvironment, "serve", "--http-port", $"{http}", "--grpc-port", $"{grpc}");
        using var client = await Readiness.WaitAsync(serve, http, Patience);
        const string Lookup = """{"features": ["driver_rates:conv_rate"], "entities": {"driver_id": [1001]}}""";
        using (var unknown = await PostAsync(client, "get-online-features", Lookup, HttpStatusCode.BadRequest))
        {
            Assert.Contains("there is no feature view 'driver_rates'", unknown.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        var definitions = Path.Combine(_folder.FullName, "repo", "features.yaml");
        var original = await File.ReadAllTextAsync(definitions);
        await File.WriteAllTextAsync(definitions, WithViewAppended(original));
        await OkAsync("features", "apply", "repo");
        (await WaitForAsync(client, Lookup, HttpStatusCode.OK)).Dispose();
        await OkAsync("features", "materialize", "--start", "2026-01-01T00:00:00Z", "--end", "2026-02-01T00:00:00Z", "--views", "driver_rates");
        var added = await PostAsync(client, "get-online-features", Lookup, HttpStatusCode.OK);
        await File.WriteAllTextAsync(definitions, original);
        await OkAsync("features", "apply", "repo");
        var removed = await WaitForAsync(client, Lookup, HttpStatusCode.BadRequest);

        Assert.False(serve.HasExited);
        Assert.Equal(ExpectedLatest(1001, "conv_rate"), added.RootElement.GetProperty("results")[1].GetProperty("values")[0].GetDouble(), 1e-9);
        Assert.Contains("there is no feature view 'driver_rates'", removed.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        added.Dispose();
        removed.Dispose();
    }

    [Fact]
    public async Task Materialize_FolderChangedButNotApplied_MaterializesTheAppliedDefinitionsAndSaysSo()
    {
        await OkAsync("features", "init", "repo");
        await OkAsync("features", "apply", "repo");
        var definitions = Path.Combine(_folder.FullName, "repo", "features.yaml");
        await File.WriteAllTextAsync(definitions, (await File.ReadAllTextAsync(definitions)).Replace("  - name: driver_stats\n", "  - name: renamed_stats\n", StringComparison.Ordinal).Replace("      - driver_stats\n", "      - renamed_stats\n", StringComparison.Ordinal));

        var output = await OkAsync("features", "materialize", "--start", "2026-01-01T00:00:00Z", "--end", "2026-02-01T00:00:00Z");

        var flat = Flatten(output);
        Assert.Contains("has changes not applied", flat, StringComparison.Ordinal);
        Assert.Contains("Added FeatureView 'renamed_stats'", flat, StringComparison.Ordinal);
        Assert.Contains("driver_stats: 10 rows", flat, StringComparison.Ordinal);
        Assert.DoesNotContain("renamed_stats: 10 rows", flat, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_NothingApplied_FeatureStoreCodeAndSaysToApplyFirst()
    {
        var (code, output, _) = await RunAsync("features", "materialize", "--start", "2026-01-01T00:00:00Z", "--end", "2026-02-01T00:00:00Z");

        Assert.Equal(ExitCodes.FeatureStore, code);
        Assert.Contains("No feature definitions are applied", Flatten(output), StringComparison.Ordinal);
        Assert.Contains("features apply DIR", Flatten(output), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("materialize", "--start", "2026-01-01T00:00:00Z", "--end", "2026-02-01T00:00:00Z")]
    [InlineData("materialize-incremental")]
    public async Task Materialize_OldRepositoryFlag_RefusedWithTheReason(params string[] args)
    {
        var (code, _, errors) = await RunAsync(["features", .. args, "--repository", "repo"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--repository is no longer taken: materialize reads the definitions last applied to --data-dir", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaterializeIncremental_NoEnd_MaterializesUpToNow()
    {
        await OkAsync("features", "init", "repo");
        await OkAsync("features", "apply", "repo");

        var output = Flatten(await OkAsync("features", "materialize-incremental"));

        Assert.Contains("driver_stats: 10 rows from 1970-01-01T00:00:00.0000000+00:00 to ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_FolderNotEmpty_RefusedAndNothingWritten()
    {
        Directory.CreateDirectory(Path.Combine(_folder.FullName, "repo"));
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "repo", "mine.txt"), "keep");

        var (code, output, _) = await RunAsync("features", "init", "repo");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("is not empty", Flatten(output), StringComparison.Ordinal);
        Assert.Equal(["mine.txt"], Directory.EnumerateFileSystemEntries(Path.Combine(_folder.FullName, "repo")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task GetHistoricalFeatures_ServiceWithVersion_WritesThatVersionsColumns()
    {
        await OkAsync("features", "init", "repo");
        await OkAsync("features", "apply", "repo");
        var definitions = Path.Combine(_folder.FullName, "repo", "features.yaml");
        await File.WriteAllTextAsync(definitions, (await File.ReadAllTextAsync(definitions)).Replace("      - driver_stats\n", "      - driver_stats:conv_rate\n", StringComparison.Ordinal));
        await OkAsync("features", "apply", "repo");
        var entities = Path.Combine(_folder.FullName, "entities.csv");
        await File.WriteAllTextAsync(entities, "driver_id,event_timestamp\n1001,2026-01-20T00:00:00Z\n1002,2026-01-25T00:00:00Z\n");

        await OkAsync("features", "get-historical-features", "--entities", entities, "--service", "driver_activity:1", "--out", "v1.csv");
        await OkAsync("features", "history", "--entities", entities, "--service", "driver_activity:2", "--out", "v2.csv");
        var (code, output, errors) = await RunAsync("features", "history", "--entities", entities, "--service", "driver_activity:3", "--out", "v3.csv");

        Assert.Equal("driver_id,event_timestamp,conv_rate,acc_rate", File.ReadLines(Path.Combine(_folder.FullName, "v1.csv")).First());
        Assert.Equal("driver_id,event_timestamp,conv_rate", File.ReadLines(Path.Combine(_folder.FullName, "v2.csv")).First());
        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("Unknown feature service 'driver_activity' version 3.", Flatten(output + errors), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    /// <summary>The init output's source, read back with DuckDB: the latest value of a feature for one driver.</summary>
    private double ExpectedLatest(long driver, string feature)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        var source = Path.Combine(_folder.FullName, "feature_repo", "data", "driver_stats.parquet");
        if (!File.Exists(source))
        {
            source = Path.Combine(_folder.FullName, "repo", "data", "driver_stats.parquet");
        }

        command.CommandText = $"SELECT \"{feature}\" FROM read_parquet('{source}') WHERE driver_id = {driver} ORDER BY event_timestamp DESC, created DESC LIMIT 1";
        return Convert.ToDouble(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string WithViewAppended(string yaml) => yaml.Replace("feature_services:", """
          - name: driver_rates
            entities: [driver]
            source: driver_stats_source
            schema:
              - {name: conv_rate, dtype: DOUBLE}
        feature_services:
        """, StringComparison.Ordinal);

    /// <summary>Console output wraps long lines at the terminal width; the words are what the tests compare.</summary>
    private static string Flatten(string output) => string.Join(' ', output.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));

    private static (string Path, string Body) CurlRequest(string curl, string root)
    {
        var words = curl.Split(' ');
        var url = words.Single(w => w.StartsWith("localhost:8000/", StringComparison.Ordinal));
        var file = words.Single(w => w.StartsWith('@'))[1..];
        return (url["localhost:8000/".Length..], File.ReadAllText(Path.Combine(root, file)));
    }

    private async Task<string> OkAsync(params string[] args)
    {
        var (code, output, errors) = await RunAsync(args);
        Assert.True(code == ExitCodes.Ok, $"modeldock {string.Join(' ', args)} exited {code}: {output} {errors}");
        return output;
    }

    private async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var process = ModelDockProcess.Start(_folder.FullName, NoEnvironment, args);
        var code = await process.WaitForExitAsync(Patience);
        return (code, process.Output, process.Errors);
    }

    private static async Task<JsonDocument> PostAsync(HttpClient client, string path, string json, HttpStatusCode expected)
    {
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    /// <summary>Asks until the answer has <paramref name="status"/>, failing after <see cref="PickUp"/>.</summary>
    private static async Task<JsonDocument> WaitForAsync(HttpClient client, string json, HttpStatusCode status)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(PickUp.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            using var response = await client.PostAsync("get-online-features", new StringContent(json, Encoding.UTF8, "application/json"));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == status)
            {
                return JsonDocument.Parse(body);
            }

            Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"still {(int)response.StatusCode} {body} {PickUp.TotalSeconds} s after the apply");
            await Task.Delay(100);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelDock.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ModelDock.slnx not found above the test output");
    }
}
