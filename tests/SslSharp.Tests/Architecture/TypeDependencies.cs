using Mono.Cecil;
using Mono.Cecil.Cil;

namespace SslSharp.Tests.Architecture;

/// <summary>
/// Reads which types each type of an assembly refers to, from its compiled metadata and IL (Mono.Cecil): base type,
/// interfaces, fields, properties, events, method signatures, locals, attributes, generic arguments and every type,
/// method or field an instruction names. Compiler-generated nested types (lambdas, iterators) count for their owner.
/// </summary>
internal static class TypeDependencies
{
    /// <summary>(namespace of the owning top-level type, owning type name, referenced type's namespace, referenced type name).</summary>
    public static IEnumerable<(string FromNamespace, string From, string ToNamespace, string To)> Read(AssemblyDefinition assembly)
    {
        foreach (var type in assembly.MainModule.Types)
        {
            if (string.IsNullOrEmpty(type.Namespace)) continue;   // <Module>, <PrivateImplementationDetails>
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in Referenced(type))
                if (!string.IsNullOrEmpty(t.Namespace) && seen.Add(t.FullName))
                    yield return (type.Namespace, type.FullName, t.Namespace, t.FullName);
        }
    }

    private static IEnumerable<TypeReference> Referenced(TypeDefinition type)
    {
        foreach (var t in Expand(type.BaseType)) yield return t;
        foreach (var i in type.Interfaces) foreach (var t in Expand(i.InterfaceType)) yield return t;
        foreach (var t in Attributes(type.CustomAttributes)) yield return t;
        foreach (var gp in type.GenericParameters) foreach (var c in gp.Constraints) foreach (var t in Expand(c.ConstraintType)) yield return t;
        foreach (var f in type.Fields)
        {
            foreach (var t in Expand(f.FieldType)) yield return t;
            foreach (var t in Attributes(f.CustomAttributes)) yield return t;
        }
        foreach (var p in type.Properties)
        {
            foreach (var t in Expand(p.PropertyType)) yield return t;
            foreach (var t in Attributes(p.CustomAttributes)) yield return t;
        }
        foreach (var e in type.Events) foreach (var t in Expand(e.EventType)) yield return t;
        foreach (var m in type.Methods)
            foreach (var t in Method(m)) yield return t;
        foreach (var nested in type.NestedTypes)
            foreach (var t in Referenced(nested)) yield return t;
    }

    private static IEnumerable<TypeReference> Method(MethodDefinition m)
    {
        foreach (var t in Expand(m.ReturnType)) yield return t;
        foreach (var p in m.Parameters) foreach (var t in Expand(p.ParameterType)) yield return t;
        foreach (var t in Attributes(m.CustomAttributes)) yield return t;
        foreach (var gp in m.GenericParameters) foreach (var c in gp.Constraints) foreach (var t in Expand(c.ConstraintType)) yield return t;
        if (!m.HasBody) yield break;
        foreach (var v in m.Body.Variables) foreach (var t in Expand(v.VariableType)) yield return t;
        foreach (var ins in m.Body.Instructions)
            switch (ins.Operand)
            {
                case TypeReference tr:
                    foreach (var t in Expand(tr)) yield return t;
                    break;
                case MethodReference mr:
                    foreach (var t in Expand(mr.DeclaringType)) yield return t;
                    foreach (var t in Expand(mr.ReturnType)) yield return t;
                    foreach (var p in mr.Parameters) foreach (var t in Expand(p.ParameterType)) yield return t;
                    if (mr is GenericInstanceMethod gim) foreach (var a in gim.GenericArguments) foreach (var t in Expand(a)) yield return t;
                    break;
                case FieldReference fr:
                    foreach (var t in Expand(fr.DeclaringType)) yield return t;
                    foreach (var t in Expand(fr.FieldType)) yield return t;
                    break;
            }
    }

    private static IEnumerable<TypeReference> Attributes(IEnumerable<CustomAttribute> attributes)
    {
        foreach (var a in attributes) foreach (var t in Expand(a.AttributeType)) yield return t;
    }

    /// <summary>The named types inside <paramref name="type"/>: element types of arrays, pointers and by-refs,
    /// generic arguments, and the outermost declaring type of nested types.</summary>
    private static IEnumerable<TypeReference> Expand(TypeReference? type)
    {
        switch (type)
        {
            case null:
            case GenericParameter:
                yield break;
            case GenericInstanceType git:
                foreach (var t in Expand(git.ElementType)) yield return t;
                foreach (var a in git.GenericArguments) foreach (var t in Expand(a)) yield return t;
                yield break;
            case TypeSpecification spec:   // arrays, by-ref, pointers, modifiers
                foreach (var t in Expand(spec.ElementType)) yield return t;
                yield break;
            default:
                var outer = type;
                while (outer.DeclaringType is not null) outer = outer.DeclaringType;
                yield return outer;
                yield break;
        }
    }
}
