using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelDock.PayloadLog;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary><c>modeldock payloads ...</c>: what the payload log (<c>serve --payload-log</c>) kept in the offline store.</summary>
internal static class PayloadsCommand
{
    public static Command Create()
    {
        var payloads = new Command("payloads", "Read the sampled requests and answers the payload log wrote to <data-dir>/offline/payloads.");
        payloads.Subcommands.Add(Query());
        return payloads;
    }

    /// <summary>A number and a unit: 90s, 30m, 1h, 2d.</summary>
    internal static bool TryParseSince(string text, out TimeSpan span)
    {
        span = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0 || count > 100_000)
        {
            return false;
        }

        span = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(count),
            'm' => TimeSpan.FromMinutes(count),
            'h' => TimeSpan.FromHours(count),
            'd' => TimeSpan.FromDays(count),
            _ => TimeSpan.Zero,
        };
        return span > TimeSpan.Zero;
    }

    private static Command Query()
    {
        var model = new Option<string>("--model") { Description = "The model or endpoint name, as callers name it.", Required = true };
        var since = new Option<string?>("--since") { Description = "Only records from this long ago until now: a number and s, m, h or d (30m, 1h, 2d). Default: all." };
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("query", "Summarises a model's payload log: record count, time range, versions, and per input and output tensor (elements flattened) mean, min, max, and the share of records without it.")
        {
            model, since, dataDir, json,
        };
        model.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--model must name a model or endpoint.");
            }
        });
        since.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !TryParseSince(text, out _))
            {
                result.AddError($"--since '{text}' must be a positive whole number followed by s, m, h or d (e.g. 30m, 1h, 2d).");
            }
        });
        command.SetAction(parse =>
        {
            var name = parse.GetValue(model)!;
            DateTimeOffset? from = parse.GetValue(since) is { } text && TryParseSince(text, out var span) ? TimeProvider.System.GetUtcNow() - span : null;
            var folder = parse.GetValue(dataDir)!.FullName;
            var summary = PayloadQuery.Summarize(folder, name, from);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
            }
            else if (summary.Files == 0)
            {
                AnsiConsole.WriteLine($"No payload log files for '{name}' in {ParquetPayloadSink.ModelFolder(folder, name)}; 'modeldock serve --payload-log {name}=PERCENT' keeps some.");
            }
            else
            {
                Print(summary);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(PayloadSummary summary)
    {
        AnsiConsole.WriteLine($"{summary.Records} records of '{summary.Model}' in {summary.Files} files");
        if (summary.Records == 0)
        {
            return;
        }

        AnsiConsole.WriteLine($"from {Time(summary.First)} to {Time(summary.Last)} (UTC)");
        AnsiConsole.WriteLine($"versions: {string.Join(", ", summary.Versions)}");
        if (summary.Failures.Count > 0)
        {
            AnsiConsole.WriteLine($"failed: {summary.Failures.Values.Sum()} ({string.Join(", ", summary.Failures.Select(f => $"{f.Key} {f.Value}"))})");
        }

        var table = new Table().AddColumns("kind", "tensor", "type", "values", "mean", "min", "max", "null share", "NaN share");
        foreach (var t in summary.Tensors)
        {
            table.AddRow(
                t.Kind, Markup.Escape(t.Name), t.Type, t.Values.ToString(CultureInfo.InvariantCulture), Number(t.Mean), Number(t.Min), Number(t.Max), Share(t.NullShare), Share(t.NanShare));
        }

        AnsiConsole.Write(table);
    }

    private static string Time(DateTimeOffset? time) => time?.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "-";

    private static string Number(double? value) => value?.ToString("G6", CultureInfo.InvariantCulture) ?? "-";

    private static string Share(double share) => share.ToString("P1", CultureInfo.InvariantCulture);
}
