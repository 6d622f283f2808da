using System.CommandLine;
using System.Globalization;
using ModelDock.PayloadLog;

namespace ModelDock.Cli.Commands;

/// <summary><c>serve --payload-log MODEL=PERCENT</c> (repeatable; <c>*</c> for every other model) as payload log settings.</summary>
internal static class PayloadLogFlag
{
    public static Option<string[]> Create()
    {
        var option = new Option<string[]>("--payload-log")
        {
            Description = "Keep PERCENT (0-100) of MODEL's requests and answers in <data-dir>/offline/payloads as Parquet; MODEL may be an endpoint, '*' sets the default. Repeatable.",
            HelpName = "MODEL=PERCENT",
        };
        option.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (Problem(value) is { } problem)
                {
                    result.AddError($"--payload-log '{value}': {problem}.");
                }
            }
        });
        return option;
    }

    /// <summary>The configuration keys under <c>ModelDock:PayloadLog</c> the flag's values set.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Settings(string[]? values)
    {
        foreach (var value in values ?? [])
        {
            var (model, percent) = Split(value);
            var key = model == "*"
                ? $"{PayloadLogOptions.Section}:{nameof(PayloadLogOptions.DefaultSampleRate)}"
                : $"{PayloadLogOptions.Section}:{nameof(PayloadLogOptions.Models)}:{model}:{nameof(PayloadLogModelOptions.SampleRate)}";
            yield return new(key, percent);
        }
    }

    private static string? Problem(string value)
    {
        var (model, percent) = Split(value);
        if (model.Length == 0 || percent is null)
        {
            return "expected MODEL=PERCENT, e.g. fraud=10";
        }

        if (model.Contains(':', StringComparison.Ordinal))
        {
            return "a model name with ':' cannot be set from the command line; use appsettings.json";
        }

        return double.TryParse(percent, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 100
            ? null
            : $"PERCENT '{percent}' must be a number from 0 to 100";
    }

    private static (string Model, string? Percent) Split(string value)
    {
        var equals = value.LastIndexOf('=');
        return equals < 0 ? (value, null) : (value[..equals], value[(equals + 1)..]);
    }
}
