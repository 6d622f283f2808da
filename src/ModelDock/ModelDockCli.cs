using System.CommandLine;
using System.CommandLine.Invocation;
using ModelDock.Cli.Commands;
using ModelDock.Errors;

namespace ModelDock.Cli;

/// <summary>
/// Parses and runs a modeldock command line. Every failure an operator can fix is one line on stderr,
/// <c>modeldock: what went wrong (--the-flag)</c>, with its own code from <see cref="ExitCodes"/>.
/// </summary>
internal static class ModelDockCli
{
    public static RootCommand CreateRoot() => new("ModelDock: serve machine-learning models in production.")
    {
        ServeCommand.Create(),
        DemoModelCommand.Create(),
        FeaturesCommand.Create(),
        ModelsCommand.Create(),
        EndpointsCommand.Create(),
        KeysCommand.Create(),
        PayloadsCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args, InvocationConfiguration configuration, CancellationToken cancellationToken = default)
    {
        var parse = CreateRoot().Parse(args);
        if (parse.Action is ParseErrorAction parseError)
        {
            // The error and a pointer to --help say more than a full page of help under the error.
            parseError.ShowHelp = false;
        }

        try
        {
            var code = await parse.InvokeAsync(configuration, cancellationToken);
            if (parse.Errors.Count == 0)
            {
                return code;
            }

            await configuration.Error.WriteLineAsync($"Run '{CommandPath(parse)} --help' for its options.");
            return ExitCodes.Usage;
        }
        catch (CommandFailedException e)
        {
            await configuration.Error.WriteLineAsync($"modeldock: {e.Message}");
            return e.ExitCode;
        }
        catch (ModelDockException e)
        {
            await configuration.Error.WriteLineAsync($"modeldock: {e.Message}");
            return e.Kind switch
            {
                ErrorKind.Unavailable => ExitCodes.ServiceUnavailable,
                ErrorKind.NotFound or ErrorKind.Conflict => ExitCodes.Refused,
                // A fault inside ModelDock (a server's 500 through --server) is not the command line's.
                ErrorKind.Internal => ExitCodes.Failure,
                _ => ExitCodes.Usage,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failure no command anticipated is a defect: one line to read, then the details a bug report needs.
            await configuration.Error.WriteLineAsync($"modeldock: unexpected error: {e.Message}");
            await configuration.Error.WriteLineAsync(e.ToString());
            return ExitCodes.Failure;
        }
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
