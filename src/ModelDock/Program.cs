using System.CommandLine;
using ModelDock.Cli;

return await ModelDockCli.RunAsync(args, new InvocationConfiguration { EnableDefaultExceptionHandler = false });
