import Control
import NetworkConfig
@testable import Supervisor
import Testing

/// Every rule of the README's restart policy ("Processes"), on the pure function alone.
@Suite struct RestartRulesTests {
    /// A process that became ready and is not being stopped.
    let running = RestartHistory(everReady: true)

    func crash(after ran: Duration = .seconds(3), signal: Int32? = nil, status: Int32 = 1) -> ChildExit {
        signal.map { ChildExit(status: $0, signalled: true, ran: ran) } ?? ChildExit(status: status, signalled: false, ran: ran)
    }

    func decide(_ exit: ChildExit, _ history: RestartHistory, policy: NetworkConfig.RestartPolicy = .onFailure,
                supervisorStopping: Bool = false) -> (decision: RestartDecision, history: RestartHistory) {
        RestartRules.decide(after: exit, history: history, policy: policy, supervisorStopping: supervisorStopping)
    }

    @Test func theBackoffStartsAtATenthOfASecondAndDoublesToFiveSeconds() {
        var history = running
        var delays: [Double] = []
        for _ in 0..<10 {
            let (decision, next) = decide(crash(after: .seconds(3)), history)
            guard case .restart(let delay) = decision else { Issue.record("not restarted: \(decision)"); return }
            delays.append(delay)
            history = next
        }
        #expect(delays == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5, 5, 5, 5])
        #expect(history.restarts == 10)
        #expect(history.quickFailures == 0)
    }

    @Test func theBackoffStartsAgainOnceItHasRunTenSeconds() {
        let tired = RestartHistory(backoff: 5, restarts: 7, everReady: true)
        #expect(decide(crash(after: .seconds(10)), tired).decision == .restart(after: 0.1))
        #expect(decide(crash(after: .seconds(10)), tired).history.backoff == 0.2)
        // Under 10 s the backoff carries on where it was.
        #expect(decide(crash(after: .milliseconds(9_900)), tired).decision == .restart(after: 5))
    }

    @Test func fiveQuickExitsInARowFail() {
        var history = running
        for attempt in 1...4 {
            let (decision, next) = decide(crash(after: .milliseconds(500)), history)
            #expect(decision.phase == .restarting, "attempt \(attempt)")
            #expect(next.quickFailures == attempt)
            history = next
        }
        let (decision, last) = decide(crash(after: .milliseconds(500)), history)
        #expect(decision == .stop(.failed))
        #expect(last.restarts == 4)
    }

    @Test func oneExitAfterASecondBreaksTheRunOfQuickExits() {
        let history = RestartHistory(quickFailures: 4, everReady: true)
        let (decision, next) = decide(crash(after: .seconds(1)), history)
        #expect(decision.phase == .restarting)
        #expect(next.quickFailures == 0)
        // Just under a second counts as quick.
        #expect(decide(crash(after: .milliseconds(999)), history).decision == .stop(.failed))
    }

    @Test(arguments: [NetworkConfig.RestartPolicy.onFailure, .always])
    func aPeerKilledAfterRunningAWhileIsAlwaysRestarted(policy: NetworkConfig.RestartPolicy) {
        // However often it crashed quickly before, and however long its backoff had grown.
        let history = RestartHistory(quickFailures: 4, backoff: 5, restarts: 30, everReady: true)
        let (decision, next) = decide(crash(after: .seconds(60), signal: 9), history, policy: policy)
        #expect(decision == .restart(after: 0.1))
        #expect(next.restarts == 31)
        #expect(next.quickFailures == 0)
    }

    @Test(arguments: [NetworkConfig.RestartPolicy.onFailure, .always, .no])
    func aProcessStoppedOnPurposeIsNotRestarted(policy: NetworkConfig.RestartPolicy) {
        var stopping = running
        stopping.stopping = true
        // Stop or down: whatever it exits with, even killed by the SIGKILL of the escalation.
        for exit in [crash(status: 0), crash(status: 1), crash(signal: 15), crash(signal: 9)] {
            #expect(decide(exit, stopping, policy: policy) == (.stop(.stopped), stopping))
            #expect(decide(exit, running, policy: policy, supervisorStopping: true) == (.stop(.stopped), running))
        }
    }

    @Test func exitStatusZeroUnderOnFailureIsAStop() {
        #expect(decide(crash(status: 0), running, policy: .onFailure) == (.stop(.stopped), running))
        #expect(decide(crash(status: 3), running, policy: .onFailure).decision == .restart(after: 0.1))
    }

    @Test func alwaysRestartsExitStatusZeroToo() {
        let (decision, history) = decide(crash(status: 0), running, policy: .always)
        #expect(decision == .restart(after: 0.1))
        #expect(history.restarts == 1)
    }

    @Test func noNeverRestarts() {
        #expect(decide(crash(status: 0), running, policy: .no) == (.stop(.stopped), running))
        #expect(decide(crash(status: 1), running, policy: .no) == (.stop(.failed), running))
        #expect(decide(crash(after: .seconds(60), signal: 9), running, policy: .no) == (.stop(.failed), running))
    }

    @Test(arguments: [NetworkConfig.RestartPolicy.onFailure, .always, .no])
    func aRequestedRestartIsAtOnce(policy: NetworkConfig.RestartPolicy) {
        var asked = RestartHistory(quickFailures: 2, backoff: 0.8, restarts: 3, stopping: true, everReady: true)
        asked.restartWhenStopped = true
        for exit in [crash(status: 0), crash(signal: 15), crash(after: .milliseconds(10), signal: 9)] {
            let (decision, next) = decide(exit, asked, policy: policy)
            #expect(decision == .restart(after: 0))
            #expect(next.restarts == 4)
            #expect(!next.restartWhenStopped)
            #expect(next.backoff == 0.8 && next.quickFailures == 2)
        }
        // Not once the whole network is going down.
        #expect(decide(crash(signal: 15), asked, policy: policy, supervisorStopping: true).decision == .stop(.stopped))
    }

    @Test func aRequestedRestartHappensEvenBeforeItWasReady() {
        let asked = RestartHistory(restartWhenStopped: true, stopping: true)
        #expect(decide(crash(status: 0), asked).decision == .restart(after: 0))
    }

    @Test(arguments: [NetworkConfig.RestartPolicy.onFailure, .always, .no])
    func aProcessThatNeverBecameReadyIsNotRestarted(policy: NetworkConfig.RestartPolicy) {
        let starting = RestartHistory()
        #expect(decide(crash(status: 2), starting, policy: policy) == (.stop(.failed), starting))
        #expect(decide(crash(signal: 9), starting, policy: policy) == (.stop(.failed), starting))
        #expect(decide(crash(status: 0), starting, policy: policy) == (.stop(.stopped), starting))
    }

    @Test func theRuntimeKeepsWhatTheRulesWrite() {
        var runtime = ManagedProcess.Runtime()
        let history = RestartHistory(quickFailures: 3, backoff: 1.6, restarts: 9, restartWhenStopped: true, stopping: true, everReady: true)
        runtime.restartHistory = history
        #expect(runtime.restartHistory == history)
        #expect(runtime.restarts == 9 && runtime.quickFailures == 3 && runtime.everReady)
    }
}
