package demo

// earlier orders the things the demo queues by their time.
type earlier[T any] interface{ before(T) bool }

// minHeap is a binary min-heap, first the element before all others. The
// demo keeps its agenda of future steps in one (the case history and the
// other kinds' events); the order of equal elements follows from the
// sifting below, so it is part of what makes a seed's history the same
// every time.
type minHeap[T earlier[T]] struct{ h []T }

func (q *minHeap[T]) push(x T) {
	q.h = append(q.h, x)
	for i := len(q.h) - 1; i > 0; {
		p := (i - 1) / 2
		if !q.h[i].before(q.h[p]) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *minHeap[T]) peek() (T, bool) {
	if len(q.h) == 0 {
		var zero T
		return zero, false
	}
	return q.h[0], true
}

func (q *minHeap[T]) pop() T {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h = q.h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(q.h) && q.h[l].before(q.h[m]) {
			m = l
		}
		if r < len(q.h) && q.h[r].before(q.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
