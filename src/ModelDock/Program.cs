using System.CommandLine;
using ModelDock.Cli.Commands;

var root = new RootCommand("ModelDock: serve machine-learning models in production.")
{
    DemoModelCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
