using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>How listing commands print: a table for people, <c>--json</c> for scripts.</summary>
internal static class CommandOutput
{
    public static Option<bool> JsonOption() => new("--json") { Description = "Print JSON instead of a table." };

    public static void Print(bool json, IEnumerable<object> rows, Func<Table> table)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            AnsiConsole.Write(table());
        }
    }
}
