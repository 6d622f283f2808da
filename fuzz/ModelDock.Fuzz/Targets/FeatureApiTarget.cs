using System.Text;
using ModelDock.Fuzz.Engine;

namespace ModelDock.Fuzz.Targets;

/// <summary>The feature server's routes, Feast's API: <c>POST /get-online-features</c> and <c>POST /push</c> with mutated bodies.</summary>
internal sealed class FeatureApiTarget(FuzzHost host) : IFuzzTarget
{
    public string Name => "features";

    public double Share => 1;

    public int Parallelism => 16;

    public FuzzInput Generate(Random random)
    {
        var push = random.Next(2) == 0;
        var seeds = push ? FeatureSeeds.PushBodies : FeatureSeeds.OnlineBodies;
        var json = seeds[random.Next(seeds.Length)];
        if (random.Next(5) != 0)
        {
            json = JsonMutator.Mutate(json, random);
        }

        var body = Encoding.UTF8.GetBytes(json);
        if (random.Next(3) == 0)
        {
            body = ByteMutator.Mutate(body, random, Encoding.UTF8.GetBytes(seeds[random.Next(seeds.Length)]));
        }

        return new FuzzInput(Name, "POST", push ? "/push" : "/get-online-features", [new("Content-Type", "application/json")], body);
    }

    public Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken) =>
        HttpExchange.SendAsync(host.Rest, input, cancellationToken);
}
