using System.CommandLine;
using ModelDock.Cli.Commands;
using ModelDock.Errors;

var root = new RootCommand("ModelDock: serve machine-learning models in production.")
{
    ServeCommand.Create(),
    DemoModelCommand.Create(),
    FeaturesCommand.Create(),
};

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ModelDockException e)
{
    // A user's mistake (bad flag value, bad file) gets its message, not a stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
