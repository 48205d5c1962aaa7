"""A station: servers, their lines, and what happens in them.

Layouts: ``single_line`` is one shared first-come-first-served line that every server takes
from (the server idle longest takes the next customer); ``line_per_server`` gives each server
its own line, an arriving customer joins the line with the fewest people (waiting + in
service; the lowest-numbered line on a tie) and, with jockeying, the last customer of a line
moves to a line shorter by at least the margin. Within a line, customers of a lower priority
level are served first (non-pre-emptive), first come first served within a level.

A server going off duty finishes the customer in hand; in ``line_per_server`` its line closes
and the people in it move to the open lines. A broken-down server stops mid-service; its
customer waits (an in-process, disrupted wait) and resumes the remaining service after repair.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from simulator.engine.conditions import Conditions
from simulator.engine.core import ABANDON, GONE, RELEASE, SERVING, WAITING, Action, Customer
from simulator.engine.greeter import Greeters
from simulator.engine.lines import Line, ModelView, Server
from simulator.models.codes import Flag, Outcome, SegmentKind
from simulator.plan.compiled import StationPlan

NAN = math.nan
_QUEUE = int(SegmentKind.QUEUE)
_SERVED = int(Outcome.SERVED)
_ABANDONED = int(Outcome.ABANDONED)
_CENSORED = int(Outcome.CENSORED)
_INTERRUPTED = int(SegmentKind.SERVICE_INTERRUPTED)
_OCCUPIED = int(Flag.OCCUPIED)


class Station:
    def __init__(self, model: ModelView, plan: StationPlan, levels: int) -> None:
        self.model = model
        self.env = model.env
        self.plan = plan
        self.index = plan.index
        self.record = model.recorder
        self.record_start = model.recorder.start if model.recorder.streaming else None
        per_server = plan.layout == "line_per_server"
        self.lines = [Line(i, levels) for i in range(plan.servers if per_server else 1)]
        self.servers = [Server(i, self, self.lines[i if per_server else 0])
                        for i in range(plan.servers)]
        for server in self.servers:
            server.line.servers.append(server)
        self.waiting = 0
        """Customers waiting in all lines: what balking looks at."""
        self.jockey_margin = plan.jockey_margin
        # occupied_waiting: per class, the share of waits here that are occupied, and the
        # stream the draws come from (its own: no other draw moves).
        levers = model.plan.levers.stations[self.index]
        self.occupied = levers.occupied
        self.occupied_draws = [
            model.streams.uniforms(f"occupied:{cp.name}:{plan.name}") if share else None
            for cp, share in zip(model.plan.classes, self.occupied, strict=True)]
        self.conditions = Conditions(self)
        self.greeters = Greeters(self, levers.greeters) if levers.greeters else None

    # -- customers -------------------------------------------------------------------------

    def present(self) -> Iterator[Customer]:
        """Everyone here: waiting, or in service (or waiting for a repair mid-service)."""
        for line in self.lines:
            yield from line.waiting_customers()
        for server in self.servers:
            if server.customer is not None:
                yield server.customer

    def waiting_customers(self) -> list[Customer]:
        """Everyone waiting here, line by line."""
        return [c for line in self.lines for c in line.waiting_customers()]

    def choose_line(self) -> Line:
        if len(self.lines) == 1:
            return self.lines[0]
        open_lines = [line for line in self.lines if line.is_open] or self.lines
        return min(open_lines, key=lambda line: (line.people, line.index))

    def join(self, customer: Customer, now: float, shown: float = NAN) -> None:
        """A customer arrives at this station and takes a free server or waits. ``shown``:
        the wait a display already showed them on arrival (NaN if none). What they are told
        as they join (the display, an announcement) is weighed once patience is armed."""
        customer.joined = now
        customer.state = WAITING
        customer.piece_start = now
        customer.visit += 1
        waits = self.enter_line(customer, self.choose_line(), now)
        if waits:
            occupied = self.occupied[customer.cls]
            if occupied and next(self.occupied_draws[customer.cls]) < occupied:  # type: ignore[arg-type]
                customer.flags |= _OCCUPIED
            self.conditions.begin(customer, now, shown)
            if self.greeters is not None:
                self.greeters.arrives(customer, now)
            if customer.budget == customer.budget:  # not NaN: the customer may give up
                self.arm_patience(customer, now)
                if customer.told == customer.told:  # told a wait while joining
                    told, customer.told = customer.told, NAN
                    self.consider(customer, told, now)

    def enter_line(self, customer: Customer, line: Line, now: float) -> bool:
        """Take the line's free server, or wait at its end (True). A customer moving from
        another line keeps their visit, wait and running patience."""
        if line.idle:
            self.start(line.idle.popleft(), customer, now)
            return False
        customer.line = line
        line.push(customer)
        line.waiting += 1
        self.waiting += 1
        return True

    def arm_patience(self, customer: Customer, now: float) -> None:
        """Schedule the moment the customer's felt-time budget runs out at the current rate."""
        rate = self.model.felt.rate(customer.cls, self.index, customer.flags)
        if customer.past_promise:
            rate *= self.model.felt.after_promise(customer.cls)
        customer.rate, customer.rate_since = rate, now
        customer.patience_running = True
        if rate <= 0:
            customer.patience_event = None
            return
        # A customer who decided to leave this wait leaves now, whatever the rate.
        delay = (0.0 if customer.quits == customer.visit
                 else max((customer.budget - customer.spent) / rate, 0.0))
        customer.patience_event = Action(self.env, delay, ABANDON, self.on_patience, customer)

    def settle_patience(self, customer: Customer, now: float) -> None:
        """Count the patience spent since it was (re-)armed; the pending deadline is void."""
        if customer.patience_running:
            customer.spent += customer.rate * (now - customer.rate_since)
            customer.patience_running = False
            if customer.patience_event is not None:
                # The void deadline stays in SimPy's queue until its time (or until
                # Model.drop_void_events): it lets go of the customer and does nothing.
                customer.patience_event.target = None
                customer.patience_event.callbacks.clear()
            customer.patience_event = None

    def change_conditions(self, customer: Customer, flags: int, now: float) -> None:
        """Conditions of a waiting customer change (the perception seam): the piece of wait
        so far is recorded, felt time spent so far is settled, and patience re-armed at the
        new rate."""
        if customer.state != WAITING or customer.line is None:
            raise ValueError("conditions can change only while the customer waits in line")
        if flags == customer.flags:
            return
        if now > customer.piece_start:
            self.record.segment(customer.id, self.index, customer.piece_start, now, _QUEUE,
                                customer.flags)
            customer.piece_start = now
        customer.flags = flags
        # Not while joining: ``join`` arms patience once the first conditions are set.
        if customer.patience_running:
            self.settle_patience(customer, now)
            self.arm_patience(customer, now)

    def hear(self, customer: Customer, told: float, now: float) -> None:
        """The customer was told a remaining wait of ``told`` minutes (NaN: none). Weighed
        at once while patience runs; while joining, once it is armed."""
        if told != told or customer.budget != customer.budget or \
                not self.model.felt.leaves_when_told(customer.cls):
            return
        if customer.patience_running:
            self.consider(customer, told, now)
        elif not told <= customer.told:  # while joining: the longest wait told weighs
            customer.told = told

    def consider(self, customer: Customer, told: float, now: float) -> None:
        """Leave if ``told`` more minutes at the current rate would use more patience than is
        left: the deadline of this wait is now (an event, after whatever else happens at this
        instant; a server freeing now still serves them, with their patience intact)."""
        left = customer.budget - customer.spent - customer.rate * (now - customer.rate_since)
        if told * customer.rate > left:
            self.settle_patience(customer, now)
            customer.quits = customer.visit
            self.arm_patience(customer, now)

    def promise_broken(self, customer: Customer, now: float, broken: bool = True) -> None:
        """An announced time has passed with the customer still waiting here (or, with
        ``broken`` False, a new promise replaced it at that very instant)."""
        customer.past_promise = broken
        if customer.patience_running:
            self.settle_patience(customer, now)
            self.arm_patience(customer, now)

    def on_patience(self, event: Action) -> None:
        customer: Customer | None = event.target
        if customer is None or event is not customer.patience_event or customer.state != WAITING:
            return
        now = self.env.now
        line = customer.line
        customer.state = GONE
        customer.patience_event = None
        customer.patience_running = False
        line.waiting -= 1
        self.waiting -= 1
        self.last_piece(customer, now)
        self.record.visit(customer.id, self.index, customer.hop, -1, customer.joined, NAN, now,
                          _ABANDONED)
        if self.greeters is not None:
            self.greeters.leaves(customer, now)
        self.model.depart(customer, now, _ABANDONED)
        self.jockey(now)

    def last_piece(self, customer: Customer, now: float) -> None:
        """Record the last piece of a wait that ends without service (abandonment, the end
        of the run). Empty only for an empty wait: conditions that changed at this very
        instant never held."""
        if now > customer.piece_start or customer.piece_start == customer.joined:
            self.record.segment(customer.id, self.index, customer.piece_start, now, _QUEUE,
                                customer.flags)

    def start(self, server: Server, customer: Customer, now: float) -> None:
        customer.state = SERVING
        customer.line = None
        self.settle_patience(customer, now)
        if now > customer.piece_start:
            self.record.segment(customer.id, self.index, customer.piece_start, now, _QUEUE,
                                customer.flags)
        self.conditions.end(customer, now - customer.joined)
        customer.started = now
        if self.record_start is not None:  # a streamed run: for the overtaking count
            self.record_start(self.index, customer.joined, now,
                              customer.booked == customer.booked)  # booked is NaN if none
        duration = customer.services[customer.hop]
        if self.greeters is not None:
            self.greeters.leaves(customer, now)
            duration = self.greeters.service(customer, duration)
        server.customer = customer
        server.service_end = now + duration
        server.pending = Action(self.env, duration, RELEASE, server.on_done)

    def finish(self, server: Server, now: float) -> None:
        customer = server.customer
        assert customer is not None
        server.customer = None
        server.pending = None
        self.record.visit(customer.id, self.index, customer.hop, server.index, customer.joined,
                          customer.started, now, _SERVED)
        self.server_free(server, now)
        self.model.onward(customer, now)

    # -- servers ---------------------------------------------------------------------------

    def server_free(self, server: Server, now: float) -> None:
        """A server has no customer: it goes off duty, takes the next customer, or idles."""
        if server.leaving:
            self.go_off_duty(server, now)
            return
        if server.down or not server.on_duty:
            return
        line = server.line
        customer = line.pop_first() if line.waiting else None
        if customer is None:
            line.idle.append(server)
        else:
            line.waiting -= 1
            self.waiting -= 1
            self.start(server, customer, now)
        self.jockey(now)

    def go_off_duty(self, server: Server, now: float) -> None:
        self._off(server, now)
        self.lines_changed(now)

    def _off(self, server: Server, now: float) -> None:
        server.on_duty = server.leaving = False
        if server in server.line.idle:
            server.line.idle.remove(server)
        self.record.duty(self.index, server.index, now, False)

    def set_on_duty(self, count: int, now: float) -> None:
        """The schedule says ``count`` servers are on duty from now on.

        All servers change state first, then customers of lines that closed move, then the
        servers that came on take customers: one consistent step, whatever the order of the
        servers."""
        staying = [s for s in self.servers if s.on_duty and not s.leaving]
        coming: list[Server] = []
        if count > len(staying):
            need = count - len(staying)
            for server in [s for s in self.servers if s.leaving][:need]:
                server.leaving = False  # was finishing a last customer: stays on
                need -= 1
            for server in [s for s in self.servers if not s.on_duty][:need]:
                server.on_duty = True
                self.record.duty(self.index, server.index, now, True)
                coming.append(server)
        elif count < len(staying):
            # Idle servers go first (highest numbered first), then busy ones finish up.
            ordered = sorted(staying, key=lambda s: (s.customer is None and not s.down, s.index))
            going = ordered[count - len(staying):]
            for server in going:
                server.leaving = True
            if self.waiting:  # those waiting see a window close
                self.conditions.disrupt("leaving", now)
            for server in going:
                if server.customer is None:
                    self._off(server, now)
        self.lines_changed(now)
        for server in coming:
            self.server_free(server, now)

    def lines_changed(self, now: float) -> None:
        """Lines opened or closed: the people in closed lines move to the open ones at once
        (a closing line closes now, even while its server finishes a last customer), and the
        lines rebalance by jockeying."""
        if len(self.lines) > 1:
            for line in self.lines:
                if line.waiting and not line.is_open:
                    self.move_out(line, now)
        self.jockey(now)

    def move_out(self, line: Line, now: float) -> None:
        """Customers of a closed line move, in line order, to the shortest open lines."""
        if not any(other.is_open for other in self.lines):
            return
        movers = list(line.waiting_customers())
        for queue in line.levels:
            queue.clear()
        line.waiting = 0
        self.waiting -= len(movers)
        for customer in movers:
            self.enter_line(customer, self.choose_line(), now)

    def jockey(self, now: float) -> None:
        """Last customers of long lines move to lines shorter by at least the margin."""
        if self.jockey_margin is None:
            return
        while True:
            open_lines = [line for line in self.lines if line.is_open]
            if len(open_lines) < 2:
                return
            longest = max(open_lines, key=lambda line: (line.people, -line.index))
            shortest = min(open_lines, key=lambda line: (line.people, line.index))
            if longest.people - shortest.people < self.jockey_margin or not longest.waiting:
                return
            customer = longest.pop_last()
            assert customer is not None
            longest.waiting -= 1
            self.waiting -= 1
            self.enter_line(customer, shortest, now)

    # -- breakdowns ------------------------------------------------------------------------

    def break_down(self, server: Server, now: float) -> None:
        server.down = True
        server.down_since = now
        if server in server.line.idle:
            server.line.idle.remove(server)
        if server.customer is not None:
            server.remaining = server.service_end - now
            server.pending = None  # the scheduled completion is now stale
        self.conditions.broke_down(now)

    def repair(self, server: Server, now: float) -> None:
        server.down = False
        self.record.breakdown(self.index, server.index, server.down_since, now)
        self.conditions.repaired(now)
        customer = server.customer
        if customer is None:
            self.server_free(server, now)
            return
        self.record.segment(customer.id, self.index, server.down_since, now, _INTERRUPTED,
                            self.conditions.repair_flags(customer))
        server.service_end = now + server.remaining
        server.pending = Action(self.env, server.remaining, RELEASE, server.on_done)

    def censor(self, now: float) -> None:
        """The run stops: record everyone still here as censored (never silently dropped)."""
        for line in self.lines:
            for customer in list(line.waiting_customers()):
                self.last_piece(customer, now)
                self.record.visit(customer.id, self.index, customer.hop, -1, customer.joined,
                                  NAN, NAN, _CENSORED)
                self.model.depart(customer, NAN, _CENSORED)
        for server in self.servers:
            serving = server.customer
            if server.down:  # a repair still going on: recorded up to the end of the run
                self.record.breakdown(self.index, server.index, server.down_since, now)
                if serving is not None:
                    self.record.segment(serving.id, self.index, server.down_since, now,
                                        _INTERRUPTED, self.conditions.repair_flags(serving))
            if serving is not None:
                self.record.visit(serving.id, self.index, serving.hop, server.index,
                                  serving.joined, serving.started, NAN, _CENSORED)
                self.model.depart(serving, NAN, _CENSORED)
