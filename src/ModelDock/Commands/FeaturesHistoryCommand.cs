using ModelDock.Features.Offline;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>The console side of <c>modeldock features history</c>: a progress bar and a one-line summary.</summary>
internal static class FeaturesHistoryCommand
{
    public static async Task<int> RunAsync(FeatureHistoryArguments arguments, CancellationToken cancellationToken)
    {
        var rows = 0L;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("reading entity rows", maxValue: 1);
                var progress = new ProgressCallback(p =>
                {
                    task.Description = p.Stage;
                    task.Value = (double)p.Completed / p.Total;
                });
                rows = await new FeatureHistoryCommand(TimeProvider.System)
                    .RunAsync(arguments, progress, cancellationToken)
                    .ConfigureAwait(false);
                task.Value = 1;
            })
            .ConfigureAwait(false);
        AnsiConsole.MarkupLineInterpolated($"Wrote [green]{rows}[/] rows to {arguments.OutputPath}");
        return ExitCodes.Ok;
    }

    private sealed class ProgressCallback(Action<RetrievalProgress> report) : IProgress<RetrievalProgress>
    {
        public void Report(RetrievalProgress value) => report(value);
    }
}
