using System.Globalization;

namespace ModelDock.Bench.Serving;

/// <summary>How the tables print numbers; a value that was not measured prints as an empty cell.</summary>
internal static class Format
{
    public static string Integer(double value) => double.IsNaN(value) ? "" : value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Milliseconds(double value) => double.IsNaN(value) ? "" : value.ToString("F2", CultureInfo.InvariantCulture);

    public static string Micros(double value) => double.IsNaN(value) ? "" : value.ToString("F0", CultureInfo.InvariantCulture);

    public static string Megabytes(double bytes) => double.IsNaN(bytes) ? "" : (bytes / (1024 * 1024)).ToString("F0", CultureInfo.InvariantCulture);

    public static string Times(double? ratio) => ratio is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) + "×" : "";

    public static string Percent(double? ratio) => ratio is { } v && !double.IsNaN(v) ? (v * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "";
}
