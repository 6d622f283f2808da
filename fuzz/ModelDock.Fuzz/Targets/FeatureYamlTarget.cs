using System.Text;
using ModelDock.Features.Definitions;
using ModelDock.Fuzz.Engine;

namespace ModelDock.Fuzz.Targets;

/// <summary>
/// Feature definition files as <c>features apply</c> reads them: every problem must come back as a definition
/// error naming the file and the object, never as an exception.
/// </summary>
internal sealed class FeatureYamlTarget : IFuzzTarget
{
    private static readonly string[] Lines = FeatureSeeds.RepositoryYaml.Split('\n');

    private static readonly string[] Replacements =
    [
        "ttl: -1d", "ttl: 99999999999999999999d", "ttl: 1x", "dtype: INT128", "value_type: [INT64]", "join_keys: driver_id",
        "entities: [nobody]", "source: missing", "path: ../../../etc/passwd", "path: ''", "name: ''", "- name: driver", "features: [driver_stats:]",
        "features: [':']", "schema: {}", "online: maybe", "tags: [a]", "&a [*a]", "!!binary AAAA", "<<: *x", "? [a, b]\n: c", "%YAML 9.9",
        "---", "...", "\t- name: x", "key: \"\\ud800\"", "entities: !!map {}",
    ];

    public string Name => "feature-yaml";

    public double Share => 0.25;

    public int Parallelism => 2;

    public FuzzInput Generate(Random random)
    {
        var lines = Lines.ToList();
        var rounds = random.Next(1, 4);
        for (var i = 0; i < rounds; i++)
        {
            var at = random.Next(lines.Count);
            switch (random.Next(4))
            {
                case 0:
                    lines.RemoveAt(at);
                    break;
                case 1:
                    lines.Insert(at, lines[random.Next(lines.Count)]);
                    break;
                case 2:
                    var indent = lines[at].Length - lines[at].TrimStart().Length;
                    lines[at] = new string(' ', indent) + Replacements[random.Next(Replacements.Length)];
                    break;
                default:
                    lines[at] = new string(' ', random.Next(0, 12)) + lines[at].TrimStart();
                    break;
            }
        }

        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        return FuzzInput.File(Name, "repo.yaml", random.Next(3) == 0 ? ByteMutator.Mutate(bytes, random) : bytes);
    }

    public Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("modeldock-fuzz-yaml-");
        try
        {
            File.WriteAllBytes(Path.Combine(folder.FullName, input.Path), input.Body);
            var result = FeatureRepositoryLoader.Load(folder.FullName);
            return Task.FromResult(new Outcome(result.Errors.Count == 0 ? "valid" : "definition errors"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
