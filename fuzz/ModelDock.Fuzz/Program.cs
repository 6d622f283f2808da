using System.Globalization;
using System.Text.Json;
using ModelDock.Fuzz;
using ModelDock.Fuzz.Engine;

const string Usage =
    """
    usage: ModelDock.Fuzz [--inputs N] [--seconds S] [--seed N] [--targets a,b] [--out DIR]
           ModelDock.Fuzz --replay FILE|DIR

      --inputs N     inputs in all, shared among the targets (default 50000)
      --seconds S    stop after S seconds in all, whatever is left
      --seed N       seed of the campaign; the same seed generates the same inputs (default 1)
      --targets a,b  targets to run (default all): rest-json, rest-binary, rest-compressed, rest-routes,
                     features, grpc, grpc-stream, model-config, feature-yaml, onnx
      --out DIR      write report.md and one replayable JSON file per finding kept
      --settle S     after the campaign, stay idle S seconds and report memory again (pools give memory back)
      --replay X     run the findings saved in file X (or every .json file in folder X) again
    """;

FuzzSettings settings;
string[] targetNames = [];
string? replay = null;
var settle = TimeSpan.Zero;
try
{
    (settings, targetNames, replay, settle) = Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

await using var host = await FuzzHost.StartAsync();
if (replay is not null)
{
    return await ReplayAsync(host, replay);
}

IReadOnlyList<IFuzzTarget> targets;
try
{
    targets = FuzzTargets.Select(host, targetNames);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var report = await FuzzCampaign.RunAsync(targets, settings, host.ErrorLogs, Console.Out);
Console.WriteLine();
Console.WriteLine(report.Format());
if (settle > TimeSpan.Zero)
{
    await Task.Delay(settle);
    Console.WriteLine($"memory after {settle.TotalSeconds:N0} s idle: {MemorySnapshot.Take()}");
}
return report.Failures == 0 ? 0 : 1;

static (FuzzSettings, string[], string?, TimeSpan) Parse(string[] args)
{
    var settings = new FuzzSettings();
    string[] targets = [];
    string? replay = null;
    var settle = TimeSpan.Zero;
    for (var i = 0; i < args.Length; i += 2)
    {
        var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--inputs":
                settings = settings with { Inputs = long.Parse(value, CultureInfo.InvariantCulture) };
                break;
            case "--seconds":
                settings = settings with { Duration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) };
                break;
            case "--seed":
                settings = settings with { Seed = int.Parse(value, CultureInfo.InvariantCulture) };
                break;
            case "--out":
                settings = settings with { OutputFolder = value };
                break;
            case "--targets":
                targets = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                break;
            case "--replay":
                replay = value;
                break;
            case "--settle":
                settle = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
                break;
            default:
                throw new ArgumentException($"unknown option {args[i]}");
        }
    }

    if (settings.Inputs <= 0)
    {
        throw new ArgumentException("--inputs must be positive");
    }

    return (settings, targets, replay, settle);
}

static async Task<int> ReplayAsync(FuzzHost host, string path)
{
    var files = Directory.Exists(path) ? Directory.GetFiles(path, "*.json") : [path];
    var targets = FuzzTargets.All(host).ToDictionary(t => t.Name);
    var failures = 0;
    foreach (var file in files)
    {
        var saved = JsonSerializer.Deserialize<SavedFinding>(File.ReadAllText(file))
            ?? throw new InvalidDataException($"{file} holds no finding");
        var outcome = await FuzzCampaign.RunOneAsync(targets[saved.Input.Target], saved.Input, new FuzzSettings().HangTimeout);
        failures += outcome.IsFinding || host.ErrorLogs.Count > 0 ? 1 : 0;
        Console.WriteLine($"{Path.GetFileName(file)}: {outcome.Label}{(outcome.Finding is null ? string.Empty : " — " + outcome.Finding)}");
        foreach (var log in host.ErrorLogs.Drain())
        {
            Console.WriteLine($"  ERROR LOG {log}");
        }
    }

    return failures == 0 ? 0 : 1;
}
