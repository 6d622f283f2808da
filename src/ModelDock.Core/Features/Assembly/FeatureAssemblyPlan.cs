using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Features.Assembly;

/// <summary>
/// A <see cref="FeatureDeclaration"/> checked against one set of feature definitions and the model's signature, and laid
/// out for reading: one online read per entity (<see cref="Groups"/>), and for each assembled input where each of its
/// features comes from. Every problem is a <see cref="ModelConfigException"/> naming the config key, so a bad declaration
/// fails the version's load like any other config error.
/// </summary>
internal sealed class FeatureAssemblyPlan
{
    private FeatureAssemblyPlan(
        FeatureRepository definitions, IReadOnlyList<PlannedEntity> entities, IReadOnlyList<PlannedGroup> groups, IReadOnlyList<PlannedInput> inputs)
    {
        Definitions = definitions;
        Entities = entities;
        Groups = groups;
        Inputs = inputs;
    }

    /// <summary>The definitions this plan was checked against; assembly re-plans when the source serves others.</summary>
    public FeatureRepository Definitions { get; }

    public IReadOnlyList<PlannedEntity> Entities { get; }

    /// <summary>One per entity that has features to read, in the order of <see cref="Entities"/>.</summary>
    public IReadOnlyList<PlannedGroup> Groups { get; }

    public IReadOnlyList<PlannedInput> Inputs { get; }

    public static FeatureAssemblyPlan Create(FeatureDeclaration declaration, ModelSignature signature, int maxBatchSize, IModelFeatureSource source)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        ModelConfigException Error(string key, string problem) => new($"{declaration.Origin}: key '{key}' {problem}");

        if (maxBatchSize <= 0)
        {
            throw Error("modeldock.features", "needs a batch dimension: set max_batch_size above 0 (one row per entity key)");
        }

        var definitions = source.Definitions;
        FeatureRepository pinned;
        try
        {
            pinned = source.DefinitionsOf(declaration.Service);
        }
        catch (ModelDockException e)
        {
            throw Error("modeldock.features.service", $"is '{declaration.Service}': {e.Message}");
        }

        var serviceName = declaration.Service.Split(':')[0];
        var service = pinned.GetFeatureService(serviceName);

        var entities = new List<PlannedEntity>(declaration.Entities.Count);
        foreach (var declared in declaration.Entities)
        {
            if (!definitions.TryGetEntity(declared.Entity, out var entity))
            {
                throw Error($"{declared.Key}.entity", $"is '{declared.Entity}', which the feature definitions do not have");
            }

            if (entity.JoinKeys.Count != 1)
            {
                throw Error($"{declared.Key}.entity", $"is '{declared.Entity}', which has {entity.JoinKeys.Count} join keys; one input per entity carries exactly one");
            }

            var joinKey = entity.JoinKeys[0];
            if (!KeyFits(declared.DataType, joinKey.ValueType))
            {
                throw Error($"{declared.Key}.datatype", $"is {declared.DataType.ToWireName()} but join key '{joinKey.Name}' of entity '{entity.Name}' is {joinKey.ValueType.ToYamlName()}");
            }

            if (entities.Any(e => e.Entity == entity.Name))
            {
                throw Error($"{declared.Key}.entity", $"is '{entity.Name}' again; one input per entity");
            }

            var spec = signature.Inputs.FirstOrDefault(s => s.Name == declared.Input);
            if (spec is not null && spec.DataType != declared.DataType)
            {
                throw Error($"{declared.Key}.datatype", $"is {declared.DataType.ToWireName()} but the model's input '{declared.Input}' is {spec.DataType.ToWireName()}");
            }

            entities.Add(new PlannedEntity(declared.Input, declared.DataType, entity.Name, joinKey, spec));
        }

        var groupFeatures = entities.Select(_ => new List<string>()).ToArray();
        var inputs = new List<PlannedInput>(declaration.Inputs.Count);
        foreach (var declared in declaration.Inputs)
        {
            var spec = signature.Inputs.FirstOrDefault(s => s.Name == declared.Name)
                ?? throw Error($"{declared.Key}.name", $"is '{declared.Name}', which is not an input of the model; its inputs are {string.Join(", ", signature.Inputs)}");
            if (spec.DataType != declared.DataType)
            {
                throw Error($"{declared.Key}.datatype", $"is {declared.DataType.ToWireName()} but the model's input '{spec.Name}' is {spec.DataType.ToWireName()}");
            }

            var width = CheckShape(declared, spec, Error);
            var features = new List<PlannedFeature>(declared.Features.Count);
            foreach (var feature in declared.Features)
            {
                var reference = feature.Feature;
                if (!service.Features.Contains(reference))
                {
                    throw Error(feature.Key, $"is '{reference}', which feature service '{declaration.Service}' does not include");
                }

                var field = Field(pinned, reference)!;
                var served = definitions.TryGetFeatureView(reference.View, out var view) ? view.FindField(reference.Feature) : null;
                if (served is null || served.Dtype != field.Dtype)
                {
                    throw Error(feature.Key, served is null
                        ? $"is '{reference}', which the served feature definitions no longer have"
                        : $"is '{reference}', {field.Dtype.ToYamlName()} in feature service '{declaration.Service}' but {served.Dtype.ToYamlName()} in the served definitions");
                }

                if (!FeatureConversions.CanConvert(field.Dtype, declared.DataType))
                {
                    throw Error(feature.Key, $"is '{reference}', a {field.Dtype.ToYamlName()} feature, which cannot fill a {declared.DataType.ToWireName()} input");
                }

                if (view!.Entities.Count != 1)
                {
                    throw Error(feature.Key, view.Entities.Count == 0
                        ? $"is '{reference}', from a view without entities; inputs are read by entity key"
                        : $"is '{reference}', from a view keyed by {view.Entities.Count} entities; inputs are read by one entity key");
                }

                var group = entities.FindIndex(e => e.Entity == view.Entities[0]);
                if (group < 0)
                {
                    throw Error(feature.Key, $"is '{reference}', keyed by entity '{view.Entities[0]}', which modeldock.features.entities does not list");
                }

                var column = groupFeatures[group].IndexOf(reference.ToString());
                if (column < 0)
                {
                    groupFeatures[group].Add(reference.ToString());
                    column = groupFeatures[group].Count - 1;
                }

                features.Add(new PlannedFeature(reference, group, column, feature.OnMissing, feature.Default));
            }

            inputs.Add(new PlannedInput(spec.Name, spec.DataType, width, spec.Shape.Length, features));
        }

        // Entities without features are still keys the client must send (so requests do not change shape when a
        // feature is dropped), but they are not read.
        var groups = new List<PlannedGroup>();
        var groupOf = new int[entities.Count];
        for (var e = 0; e < entities.Count; e++)
        {
            groupOf[e] = groupFeatures[e].Count == 0 ? -1 : groups.Count;
            if (groupFeatures[e].Count > 0)
            {
                groups.Add(new PlannedGroup(e, groupFeatures[e]));
            }
        }

        var remapped = inputs.Select(i => i with { Features = [.. i.Features.Select(f => f with { Group = groupOf[f.Group] })] }).ToList();
        return new FeatureAssemblyPlan(definitions, entities, groups, remapped);
    }

    private static bool KeyFits(DataType input, FeatureValueType joinKey) => (input, joinKey) switch
    {
        (DataType.Int64, FeatureValueType.Int64) => true,
        (DataType.Int32, FeatureValueType.Int32 or FeatureValueType.Int64) => true,
        (DataType.Bytes, FeatureValueType.String) => true,
        _ => false,
    };

    /// <summary>A vector input is [-1, count] (or [-1, -1]); a single feature is [-1] or [-1, 1]. Returns the row width.</summary>
    private static int CheckShape(AssembledInputDeclaration declared, TensorSpec spec, Func<string, string, ModelConfigException> error)
    {
        var shape = spec.Shape;
        var count = declared.Features.Count;
        if (declared.IsVector)
        {
            return shape.Length == 2 && (shape[1] == count || shape[1] == -1)
                ? count
                : throw error($"{declared.Key}.features", $"lists {count} features but the model's input '{spec.Name}' has shape {SignatureResolver.Format(shape)}; expected [-1,{count}]");
        }

        return shape.Length == 1 || (shape.Length == 2 && shape[1] is 1 or -1)
            ? 1
            : throw error($"{declared.Key}.feature", $"is one feature but the model's input '{spec.Name}' has shape {SignatureResolver.Format(shape)}; expected [-1] or [-1,1]");
    }

    private static FeatureField? Field(FeatureRepository definitions, FeatureReference reference) =>
        definitions.TryGetFeatureView(reference.View, out var view) ? view.FindField(reference.Feature) : null;
}

/// <summary>An entity-key input the client sends.</summary>
/// <param name="ModelInput">The model's own input of the same name, when the model takes the key too; null otherwise.</param>
internal sealed record PlannedEntity(string Input, DataType DataType, string Entity, JoinKey JoinKey, TensorSpec? ModelInput);

/// <summary>One online read: the features of one entity, as <c>view:feature</c>.</summary>
internal sealed record PlannedGroup(int Entity, IReadOnlyList<string> Features);

/// <summary>An assembled input: <paramref name="Width"/> values per row, in <paramref name="Rank"/> dimensions.</summary>
internal sealed record PlannedInput(string Name, DataType DataType, int Width, int Rank, IReadOnlyList<PlannedFeature> Features);

/// <summary>One feature of an assembled input: column <paramref name="Column"/> of group <paramref name="Group"/>'s read.</summary>
internal sealed record PlannedFeature(FeatureReference Reference, int Group, int Column, MissingFeaturePolicy OnMissing, double Default);
