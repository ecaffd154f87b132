using SslSharp.Heads;
using SslSharp.Modules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Modules;

public sealed class EmaTeacherTests
{
    private static ProjectionHead Student() => new(6, new[] { 5 }, 4, seed: 3);

    private static void Perturb(nn.Module m)
    {
        using var _ = torch.no_grad();
        foreach (var p in m.parameters()) p.add_(0.5);
    }

    [Fact]
    public void Starts_as_a_frozen_copy_of_the_student()
    {
        using var student = Student();
        using var teacher = new EmaTeacher<ProjectionHead>(student, student.CreateTwin());
        foreach (var ((n, t), (_, s)) in teacher.Module.named_parameters().Zip(student.named_parameters()))
        {
            Assert.False(t.requires_grad, n);
            Assert.True(t.allclose(s, 0, 0), n);
        }
    }

    [Fact]
    public void Momentum_one_keeps_the_teacher_and_momentum_zero_copies_the_student()
    {
        using var student = Student();
        using var teacher = new EmaTeacher<ProjectionHead>(student, student.CreateTwin());
        var before = teacher.Module.parameters().Select(p => p.clone()).ToList();
        Perturb(student);
        teacher.Update(1.0);
        foreach (var (t, b) in teacher.Module.parameters().Zip(before)) Assert.True(t.allclose(b, 0, 0));
        teacher.Update(0.0);
        foreach (var (t, s) in teacher.Module.parameters().Zip(student.parameters())) Assert.True(t.allclose(s, 0, 0));
    }

    [Fact]
    public void Update_is_the_convex_combination()
    {
        using var student = Student();
        using var teacher = new EmaTeacher<ProjectionHead>(student, student.CreateTwin());
        var t0 = teacher.Module.parameters().Select(p => p.clone()).ToList();
        Perturb(student);
        teacher.Update(0.9);
        foreach (var ((t, s), old) in teacher.Module.parameters().Zip(student.parameters()).Zip(t0))
            Assert.True(t.allclose(old * 0.9 + s * 0.1, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void No_gradient_reaches_the_teacher()
    {
        using var student = Student();
        using var teacher = new EmaTeacher<ProjectionHead>(student, student.CreateTwin());
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(8, 6);
        var loss = (student.call(x) - teacher.Run(t => t.call(x))).pow(2).sum();
        loss.backward();
        Assert.All(teacher.Module.parameters(), p => Assert.True(p.grad is null));
        Assert.Contains(student.parameters(), p => p.grad is not null);
    }

    [Fact]
    public void Teacher_weights_are_in_the_owner_state_dict()
    {
        using var student = Student();
        using var teacher = new EmaTeacher<ProjectionHead>(student, student.CreateTwin());
        Assert.Contains(teacher.state_dict().Keys, k => k.StartsWith("module.layers.0.weight", StringComparison.Ordinal));
    }

    [Fact]
    public void A_twin_with_another_shape_is_refused()
    {
        using var student = Student();
        using var other = new ProjectionHead(6, new[] { 7 }, 4);
        var e = Assert.Throws<ArgumentException>(() => new EmaTeacher<ProjectionHead>(student, other));
        Assert.Contains("CreateTwin", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmaTeacher<ProjectionHead>(student, student.CreateTwin()).Update(1.5));
    }

    [Fact]
    public void Cosine_momentum_goes_from_base_to_one()
    {
        Assert.Equal(0.996, EmaMomentum.Cosine(0, 100, 0.996), 12);
        Assert.Equal(1.0, EmaMomentum.Cosine(100, 100, 0.996), 12);
        Assert.Equal(0.998, EmaMomentum.Cosine(50, 100, 0.996), 12);
    }

    private sealed class Owner : nn.Module
    {
        public Owner() : base("owner")
        {
            Student = new ProjectionHead(6, new[] { 5 }, 4, seed: 3);
            Teacher = new EmaTeacher<ProjectionHead>(Student, Student.CreateTwin());
            Queue = new MemoryQueue(4, 3);
            register_module("student", Student);
            register_module("teacher", Teacher);
            register_module("queue", Queue);
        }

        public ProjectionHead Student { get; }
        public EmaTeacher<ProjectionHead> Teacher { get; }
        public MemoryQueue Queue { get; }
    }

    [Fact]
    public void An_owner_state_dict_holds_the_student_once_and_the_queue_under_its_own_names()
    {
        using var owner = new Owner();
        var keys = owner.state_dict().Keys.ToList();
        Assert.DoesNotContain(keys, k => k.StartsWith("teacher.student", StringComparison.Ordinal));
        Assert.Equal(new[] { "queue.filled", "queue.items", "queue.pointer" }, keys.Where(k => k.StartsWith("queue.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(owner.Student.state_dict().Count, keys.Count(k => k.StartsWith("teacher.module.", StringComparison.Ordinal)));
    }
}
