using System.CommandLine;
using ModelDock.Onnx;

namespace ModelDock.Cli.Commands;

internal static class DemoModelCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("directory") { Description = "Folder to write the model repository into." };
        var command = new Command("demo-model", "Writes a model repository with demo models that ModelDock generates itself.")
        {
            directory,
        };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(directory)!;
            foreach (var model in DemoModelRepository.Write(dir.FullName))
            {
                Console.WriteLine($"wrote {Path.Combine(dir.FullName, model)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
