import System
import Testing

@Suite struct ProtectedTests {
    @Test func protectedWaitTimesOutOrWakes() {
        let flag = Protected(false)
        #expect(flag.wait(until: .after(.milliseconds(20))) { $0 ? true : nil } == nil)
        Threads.detach { flag.withLock(notify: true) { $0 = true } }
        #expect(flag.wait(until: .after(.seconds(10))) { $0 ? true : nil } == true)
    }
}

@Suite struct SlotsTests {
    @Test func noMoreThanTheCapacityAtOnceAndGivenBackSlotsAreReused() {
        let slots = Slots(2)
        let taken = (0..<3).map { _ in slots.take() }
        #expect(taken == [true, true, false])
        slots.give()
        let again = [slots.take(), slots.take()]
        #expect(again == [true, false])
    }
}

@Suite struct DeadlineTests {
    @Test func pollMillisecondsForNeverPassedAndFuture() {
        #expect(Deadline.never.pollMilliseconds == -1)
        #expect(!Deadline.never.hasPassed)
        #expect(Deadline.after(.milliseconds(-1)).pollMilliseconds == 0)
        #expect(Deadline.after(.milliseconds(-1)).hasPassed)
        let left = Deadline.after(.seconds(10)).pollMilliseconds
        #expect((9_000...10_000).contains(left))
        #expect(Deadline.after(.seconds(1)) < .never)
    }
}
