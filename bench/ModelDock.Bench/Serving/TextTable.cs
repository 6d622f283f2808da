using System.Text;

namespace ModelDock.Bench.Serving;

/// <summary>A table with fixed columns, rendered as aligned console text and as markdown.</summary>
internal sealed class TextTable(IReadOnlyList<TextTable.Column> columns)
{
    /// <param name="Width">Console width; a negative width aligns left.</param>
    /// <param name="Short">The console's header where <paramref name="Header"/> is wider than the column.</param>
    public sealed record Column(string Header, int Width, string? Short = null);

    public string ConsoleHeader() => Line(columns.Select(c => c.Short ?? c.Header).ToList());

    /// <summary>One row as a console line, cells padded to their column's width.</summary>
    public string Line(IReadOnlyList<string> cells)
    {
        var line = new StringBuilder();
        for (var i = 0; i < columns.Count; i++)
        {
            var width = columns[i].Width;
            line.Append(width < 0 ? cells[i].PadRight(-width) : cells[i].PadLeft(width));
            line.Append(' ');
        }

        return line.ToString().TrimEnd();
    }

    public string Markdown(IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", columns.Select(c => c.Header)) + " |");
        text.AppendLine("|" + string.Concat(columns.Select(c => c.Width < 0 ? "---|" : "--:|")));
        foreach (var row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        return text.ToString();
    }
}
