using System.Globalization;
using System.Text;

namespace ModelDock.Fuzz.Engine;

/// <summary>A campaign's targets and the process's memory before and after it.</summary>
internal sealed record CampaignReport(
    int Seed,
    IReadOnlyList<TargetReport> Targets,
    MemorySnapshot Before,
    MemorySnapshot After)
{
    public long Inputs => Targets.Sum(t => t.Inputs);

    public long Failures => Targets.Sum(t => t.Failures);

    public string Format()
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"| target | inputs | inputs/s | findings | error logs | outcomes (most frequent) |");
        text.AppendLine("|---|--:|--:|--:|--:|---|");
        foreach (var t in Targets)
        {
            var rate = t.Inputs / Math.Max(t.Elapsed.TotalSeconds, 1e-3);
            var outcomes = string.Join(", ", t.Outcomes.OrderByDescending(o => o.Value).Take(6).Select(o => $"{o.Key} × {o.Value:N0}"));
            text.AppendLine(culture, $"| {t.Target} | {t.Inputs:N0} | {rate:N0} | {t.FindingCount:N0} | {t.ErrorLogs.Count:N0} | {outcomes} |");
        }

        text.AppendLine();
        text.AppendLine(culture, $"seed {Seed}: {Inputs:N0} inputs, {Failures:N0} findings");
        text.AppendLine(culture, $"memory before: {Before}; after: {After}");
        foreach (var t in Targets)
        {
            foreach (var (input, finding) in t.Findings)
            {
                text.AppendLine(culture, $"FINDING {t.Target} {input.Method} {input.Path}: {finding}");
            }

            foreach (var log in t.ErrorLogs.Take(10))
            {
                text.AppendLine(culture, $"ERROR LOG {t.Target}: {log}");
            }
        }

        return text.ToString();
    }
}
