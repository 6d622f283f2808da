using System.CommandLine;
using System.Globalization;
using ModelDock.Errors;
using ModelDock.Features.Materialization;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>materialize --start --end</c> and <c>materialize-incremental [--end]</c>: copy the latest offline values
/// into the online store with a progress bar per feature view, for the definitions last applied to <c>--data-dir</c>.
/// Meant to sit under the <c>features</c> verb.
/// </summary>
internal static class FeaturesMaterializeCommand
{
    public static Command CreateMaterialize()
    {
        var options = new MaterializeOptions();
        var start = new Option<string>("--start") { Description = "Start of the interval (ISO 8601, UTC unless an offset is given).", Required = true };
        var end = new Option<string>("--end") { Description = "End of the interval, inclusive.", Required = true };
        var command = new Command("materialize", "Copies the latest value per entity key with event times in [start, end] to the online store.") { start, end };
        options.AddTo(command);
        command.SetAction((parse, ct) => Run(parse, options, (materializer, progress) =>
            materializer.MaterializeAsync(ParseTime(parse.GetValue(start)!, "--start"), ParseTime(parse.GetValue(end)!, "--end"), parse.GetValue(options.Views), progress, ct)));
        return command;
    }

    public static Command CreateMaterializeIncremental()
    {
        var options = new MaterializeOptions();
        var end = new Option<string?>("--end") { Description = "End of the interval, inclusive (default: now); each view starts where its last run ended." };
        var command = new Command("materialize-incremental", "Copies what changed since each view's last materialization to the online store.") { end };
        options.AddTo(command);
        command.SetAction((parse, ct) => Run(parse, options, (materializer, progress) =>
            materializer.MaterializeIncrementalAsync(
                parse.GetValue(end) is { } text ? ParseTime(text, "--end") : TimeProvider.System.GetUtcNow(), parse.GetValue(options.Views), progress, ct)));
        return command;
    }

    private static async Task<int> Run(
        ParseResult parse,
        MaterializeOptions options,
        Func<FeatureMaterializer, IProgress<MaterializationProgress>, Task<IReadOnlyList<MaterializedView>>> materialize)
    {
        try
        {
            var dataDir = parse.GetValue(options.DataDir)!.FullName;
            var repository = FeaturesAppliedDefinitions.Read(dataDir);
            await using var store = await options.Store.OpenAsync(parse, dataDir);
            var materializer = new FeatureMaterializer(repository, store, dataDir, TimeProvider.System);
            IReadOnlyList<MaterializedView> done = [];
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context => done = await materialize(materializer, new ProgressBars(context)));
            foreach (var view in done)
            {
                AnsiConsole.MarkupLineInterpolated($"[green]{view.View}[/]: {view.Rows} rows from {view.Start:O} to {view.End:O}");
            }

            return ExitCodes.Ok;
        }
        catch (ModelDockException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return e.Kind switch
            {
                ErrorKind.Unavailable => ExitCodes.ServiceUnavailable,
                ErrorKind.NotFound => ExitCodes.FeatureStore,
                _ => ExitCodes.Usage,
            };
        }
    }

    private static DateTimeOffset ParseTime(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw ModelDockException.InvalidInput($"{option} '{text}' is not a date and time (ISO 8601, e.g. 2026-01-31T00:00:00Z).");

    private sealed class MaterializeOptions
    {
        /// <summary>The definitions folder materialize once read; refused with the reason rather than as an unknown flag.</summary>
        public Option<DirectoryInfo?> Repository { get; } = new("--repository") { Hidden = true };

        public Option<DirectoryInfo> DataDir { get; } = CommonOptions.DataDir();

        public OnlineStoreOptions Store { get; } = new();

        public Option<string[]> Views { get; } = new("--views") { Description = "Feature views to materialize (default: every online view).", AllowMultipleArgumentsPerToken = true };

        public void AddTo(Command command)
        {
            command.Options.Add(Repository);
            command.Validators.Add(result =>
            {
                if (result.GetResult(Repository) is not null)
                {
                    result.AddError("--repository is no longer taken: materialize reads the definitions last applied to --data-dir with 'features apply DIR'.");
                }
            });
            command.Options.Add(DataDir);
            Store.AddTo(command);
            command.Options.Add(Views);
        }
    }

    /// <summary>One bar per feature view, advanced after every written batch.</summary>
    private sealed class ProgressBars(ProgressContext context) : IProgress<MaterializationProgress>
    {
        private readonly Dictionary<string, ProgressTask> _bars = [];

        public void Report(MaterializationProgress value)
        {
            if (!_bars.TryGetValue(value.View, out var bar))
            {
                bar = context.AddTask($"{value.View} ({value.ViewNumber}/{value.ViewCount})", maxValue: Math.Max(1, value.RowsTotal));
                _bars[value.View] = bar;
            }

            bar.Value = value.RowsTotal == 0 ? 1 : value.RowsWritten;
        }
    }
}
