using ModelDock.Errors;
using ModelDock.Features.Samples;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary><c>modeldock features init DIR</c>: a small, valid feature repository with its data, to try the rest on.</summary>
internal static class FeaturesInitCommand
{
    public static int Run(string folder)
    {
        try
        {
            SampleFeatureRepository.Write(folder);
        }
        catch (ModelDockException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] cannot write '{folder}': {e.Message}");
            return ExitCodes.Failure;
        }

        AnsiConsole.MarkupLineInterpolated($"Wrote a feature repository to [green]{folder}[/]: {SampleFeatureRepository.DefinitionsFile} and {SampleFeatureRepository.SourceFile}.");
        AnsiConsole.WriteLine($"Next: modeldock features apply {folder}");
        return ExitCodes.Ok;
    }
}
